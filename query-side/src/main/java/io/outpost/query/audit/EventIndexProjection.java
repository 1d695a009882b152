package io.outpost.query.audit;

import io.outpost.command.api.SyncMetaData;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
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
    private static final String BATCH = EventIndexProjection.class.getName() + ".batch";

    private final JdbcTemplate jdbc;

    public EventIndexProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(Object event, MetaData meta, TrackingToken token) {
        Object tenant = meta.get(SyncMetaData.TENANT);
        if (tenant == null || token == null || token.position().isEmpty()) return;
        Object[] row = {tenant.toString(), token.position().getAsLong()};
        if (!CurrentUnitOfWork.isStarted()) {
            jdbc.update(INSERT, row);
            return;
        }
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        uow.<List<Object[]>>getOrComputeResource(BATCH, key -> {
            List<Object[]> rows = new ArrayList<>();
            uow.onPrepareCommit(u -> jdbc.batchUpdate(INSERT, rows));
            return rows;
        }).add(row);
    }

    @ResetHandler
    void reset() {
        jdbc.update("DELETE FROM event_index");
    }
}
