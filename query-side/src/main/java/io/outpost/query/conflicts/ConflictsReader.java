package io.outpost.query.conflicts;

import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/** Reads the conflicts list. */
@Service
public class ConflictsReader {

    private final JdbcTemplate jdbc;

    public ConflictsReader(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public List<ConflictRow> fetch(FetchConflictsQuery q) {
        StringBuilder sql = new StringBuilder("SELECT conflict_id, collection, record_id, device_id, user_id, op_id, "
                + "base_version, server_version, client_data::text, server_data::text, fields::text, status, "
                + "created_at, resolution::text FROM conflicts WHERE tenant = ?");
        List<Object> args = new ArrayList<>(List.of(q.tenant()));
        if (q.userId() != null) {
            sql.append(" AND user_id = ?");
            args.add(q.userId());
        }
        if (q.status() != null) {
            sql.append(" AND status = ?");
            args.add(q.status());
        }
        if (q.collection() != null) {
            sql.append(" AND collection = ?");
            args.add(q.collection());
        }
        sql.append(" ORDER BY created_at, conflict_id LIMIT ?");
        args.add(q.limit());
        return jdbc.query(sql.toString(), (rs, n) -> new ConflictRow(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
                rs.getTimestamp(13).toInstant(), rs.getString(14)), args.toArray());
    }

    public long openForDevice(String tenant, String deviceId) {
        return jdbc.queryForObject("SELECT count(*) FROM conflicts WHERE tenant = ? AND device_id = ? "
                + "AND status = 'open'", Long.class, tenant, deviceId);
    }
}
