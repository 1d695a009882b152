package io.outpost.query.audit;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Pages through a tenant's events in global order: one range scan of the event table's index
 * {@code (tenant, global_index)} per page (the append statement writes each event's tenant with it).
 */
@Service
public class EventExportReader {

    private final JdbcTemplate jdbc;

    public EventExportReader(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<ExportedEvent> page(String tenant, long after, int limit) {
        return jdbc.query("""
                SELECT d.global_index, d.event_identifier, d.aggregate_identifier, d.sequence_number, d.payload_type,
                       d.payload_revision, d.time_stamp, convert_from(d.payload, 'UTF8'),
                       convert_from(d.meta_data, 'UTF8')
                FROM domain_event_entry d
                WHERE d.tenant = ? AND d.global_index > ?
                ORDER BY d.global_index LIMIT ?""",
                (rs, n) -> new ExportedEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)),
                tenant, after, limit);
    }
}
