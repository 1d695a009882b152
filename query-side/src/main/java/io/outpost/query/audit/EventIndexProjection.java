package io.outpost.query.audit;

import io.outpost.command.api.SyncMetaData;
import io.outpost.query.feed.BatchedWrites;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.MetaData;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Records, for every stored event, the tenant it belongs to (from its metadata) under its global position. Its own
 * tracking processor; one JDBC batch per processor batch; idempotent (a replay inserts nothing new).
 */
@Component
@ProcessingGroup(EventIndexProjection.GROUP)
public class EventIndexProjection {

    public static final String GROUP = "audit-index";
    private static final String INSERT =
            "INSERT INTO event_index (tenant, global_index) VALUES (?, ?) ON CONFLICT DO NOTHING";
    private final JdbcTemplate jdbc;
    private final BatchedWrites writes;

    public EventIndexProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.writes = new BatchedWrites(jdbc, List.of(INSERT));
    }

    /** Takes no payload parameter, so the event's payload is never deserialised here (only its metadata). */
    @EventHandler
    void on(MetaData meta, TrackingToken token) {
        Object tenant = meta.get(SyncMetaData.TENANT);
        if (tenant == null || token == null || token.position().isEmpty()) return;
        writes.add(INSERT, new Object[]{tenant.toString(), token.position().getAsLong()});
    }

    @ResetHandler
    void reset() {
        jdbc.update("DELETE FROM event_index");
    }
}
