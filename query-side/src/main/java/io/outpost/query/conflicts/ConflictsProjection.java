package io.outpost.query.conflicts;

import io.outpost.command.api.ConflictParkedEvent;
import io.outpost.command.api.ConflictResolvedEvent;
import io.outpost.query.feed.ChangeFeedProjection;
import java.sql.Timestamp;
import java.time.Instant;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps {@code conflicts} in step with the records' streams. Same processing group as the change feed, so a conflict
 * and the record state it refers to become visible in one transaction. Idempotent: a replayed park inserts nothing,
 * a replayed resolution writes the same row again.
 */
@Component
@ProcessingGroup(ChangeFeedProjection.GROUP)
public class ConflictsProjection {

    private final JdbcTemplate jdbc;
    private final String table;

    @Autowired
    public ConflictsProjection(JdbcTemplate jdbc) {
        this(jdbc, "conflicts");
    }

    private ConflictsProjection(JdbcTemplate jdbc, String table) {
        this.jdbc = jdbc;
        this.table = table;
    }

    /** The same projection writing into another table: for a rebuild. */
    public static ConflictsProjection into(JdbcTemplate jdbc, String table) {
        return new ConflictsProjection(jdbc, table);
    }

    @EventHandler
    void on(ConflictParkedEvent e, @org.axonframework.eventhandling.Timestamp Instant at) {
        jdbc.update("""
                INSERT INTO %s (tenant, conflict_id, collection, record_id, device_id, user_id, op_id, op_type,
                                       base_version, server_version, client_data, server_data, fields, status,
                                       created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb), CAST(? AS jsonb), 'open', ?)
                ON CONFLICT DO NOTHING""".formatted(table),
                e.key().tenant(), e.conflictId(), e.key().collection(), e.key().id(), e.deviceId(), e.userId(),
                e.opId(), e.opType(), e.baseVersion(), e.serverVersion(),
                e.attempt() == null ? null : e.attempt().toString(),
                e.serverData() == null ? null : e.serverData().toString(), json(e.fields()), Timestamp.from(at));
    }

    @EventHandler
    void on(ConflictResolvedEvent e, @org.axonframework.eventhandling.Timestamp Instant at) {
        jdbc.update("UPDATE " + table + " SET status = 'resolved', resolution = jsonb_build_object('resolution', ?, "
                        + "'resolvedBy', ?, 'resolvedAt', ?, 'version', ?) WHERE tenant = ? AND conflict_id = ?",
                e.resolution(), e.resolvedBy(), at.toString(), e.version(), e.key().tenant(), e.conflictId());
    }

    @ResetHandler
    void reset() {
        jdbc.update("DELETE FROM conflicts");
    }

    private static String json(java.util.List<String> fields) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) out.append(',');
            out.append('"').append(fields.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return out.append(']').toString();
    }
}
