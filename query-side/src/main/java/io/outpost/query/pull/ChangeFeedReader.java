package io.outpost.query.pull;

import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads pages of the change feed: {@code WHERE tenant = ? AND change_seq > ? ORDER BY change_seq LIMIT n}, one range
 * scan of {@code records_feed}, so a page costs what it returns, not what the tenant holds. The head, the page and
 * the device's progress are read in one REPEATABLE READ snapshot.
 */
@Service
public class ChangeFeedReader {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate snapshot;
    private final CollectionCatalog catalog;

    public ChangeFeedReader(JdbcTemplate jdbc, PlatformTransactionManager transactions, CollectionCatalog catalog) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.snapshot = new TransactionTemplate(transactions);
        this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.snapshot.setReadOnly(true);
    }

    public long epoch() {
        return jdbc.queryForObject("SELECT epoch FROM feed_state WHERE id = 1", Long.class);
    }

    /** The newest feed position of a tenant: its records' and its removals' (two parameters: the tenant twice). */
    private static final String HEAD = "GREATEST((SELECT COALESCE(MAX(change_seq), 0) FROM records WHERE tenant = ?), "
            + "(SELECT COALESCE(MAX(change_seq), 0) FROM feed_removals WHERE tenant = ?))";

    /** The newest feed position of a tenant: its records' and its removals' (docs/rebuild.md). */
    public long head(String tenant) {
        return jdbc.queryForObject("SELECT " + HEAD, Long.class, tenant, tenant);
    }

    public ChangesResponse fetch(FetchChangesQuery q) {
        return snapshot.execute(status -> read(q));
    }

    /** The feed's epoch, the tenant's head ({@link #head}) and the device's progress row, read by {@link #read}. */
    private record Meta(long epoch, long head, long lastOpId, Long progressSeq) {
    }

    /**
     * One statement for what a page needs besides its rows (three before): a pull is a few round trips to PostgreSQL,
     * and under a node's full load each one waits for the CPU (the push benchmark's feed-lag probe).
     */
    private Meta meta(String tenant, String deviceId) {
        return jdbc.queryForObject("SELECT f.epoch, " + HEAD + ", "
                        + "p.last_op_id, p.progress_seq FROM feed_state f LEFT JOIN device_progress p "
                        + "ON p.tenant = ? AND p.device_id = ? WHERE f.id = 1",
                (rs, n) -> new Meta(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                        rs.getObject(4) == null ? null : rs.getLong(4)),
                tenant, tenant, tenant, deviceId);
    }

    private ChangesResponse read(FetchChangesQuery asked) {
        Meta meta = meta(asked.tenant(), asked.deviceId());
        long epoch = meta.epoch();
        boolean reset = asked.cursorEpoch() != null && asked.cursorEpoch() != epoch;
        FetchChangesQuery q = reset ? asked.fromScratch() : asked;
        long head = meta.head();
        Long snapshotStart = q.snapshotStart();
        if (snapshotStart != null && snapshotStart == FetchChangesQuery.BEGIN_SNAPSHOT) snapshotStart = head;
        if (snapshotStart != null && q.after() >= snapshotStart) snapshotStart = null;

        List<String> ownerOnly = q.admin() ? List.of() : catalog.declared().stream()
                .filter(r -> r.visibility() == CollectionRules.Visibility.OWNER).map(CollectionRules::name).toList();
        StringBuilder sql = new StringBuilder("SELECT collection, id, version, deleted, data, updated_at, updated_by, "
                + "change_seq, schema_version FROM records WHERE tenant = ? AND change_seq > ?");
        if (!q.collections().isEmpty()) sql.append(" AND collection = ANY (?)");
        if (snapshotStart != null) sql.append(" AND (NOT deleted OR change_seq > ?)");
        if (!ownerOnly.isEmpty()) sql.append(" AND (collection <> ALL (?) OR owner = ?)");
        sql.append(" ORDER BY change_seq LIMIT ?");
        if (!ownerOnly.isEmpty()) {
            // records the caller could see and no longer can, as tombstones (V16, docs/rebuild.md): only where the
            // collection is visibility owner and the record is not the caller's now, so a record seen again comes
            // as itself, at its later position
            sql.insert(0, "(").append(") UNION ALL (SELECT h.collection, h.id, r.version, true, NULL, r.updated_at, "
                    + "NULL, h.change_seq, r.schema_version FROM feed_removals h JOIN records r ON r.tenant = h.tenant "
                    + "AND r.collection = h.collection AND r.id = h.id WHERE h.tenant = ? AND h.change_seq > ? "
                    + "AND h.lost_by IN (?, '') AND h.collection = ANY (?) AND r.owner IS DISTINCT FROM ?");
            if (!q.collections().isEmpty()) sql.append(" AND h.collection = ANY (?)");
            if (snapshotStart != null) sql.append(" AND h.change_seq > ?");
            sql.append(" ORDER BY h.change_seq LIMIT ?) ORDER BY 8 LIMIT ?");
        }
        Long tombstonesAfter = snapshotStart;

        List<ChangeRow> rows = jdbc.query(con -> {
            PreparedStatement ps = con.prepareStatement(sql.toString());
            int i = 1;
            ps.setString(i++, q.tenant());
            ps.setLong(i++, q.after());
            if (!q.collections().isEmpty()) {
                Array names = con.createArrayOf("varchar", q.collections().toArray());
                ps.setArray(i++, names);
            }
            if (tombstonesAfter != null) ps.setLong(i++, tombstonesAfter);
            if (!ownerOnly.isEmpty()) {
                ps.setArray(i++, con.createArrayOf("varchar", ownerOnly.toArray()));
                ps.setString(i++, q.userId());
            }
            ps.setInt(i++, q.limit() + 1);
            if (!ownerOnly.isEmpty()) {
                ps.setString(i++, q.tenant());
                ps.setLong(i++, q.after());
                ps.setString(i++, q.userId());
                ps.setArray(i++, con.createArrayOf("varchar", ownerOnly.toArray()));
                ps.setString(i++, q.userId());
                if (!q.collections().isEmpty()) {
                    ps.setArray(i++, con.createArrayOf("varchar", q.collections().toArray()));
                }
                if (tombstonesAfter != null) ps.setLong(i++, tombstonesAfter);
                ps.setInt(i++, q.limit() + 1);
                ps.setInt(i, q.limit() + 1);
            }
            return ps;
        }, (rs, n) -> new ChangeRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBoolean(4),
                rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getLong(8), rs.getInt(9)));

        boolean hasMore = rows.size() > q.limit();
        List<ChangeRow> page = hasMore ? new ArrayList<>(rows.subList(0, q.limit())) : rows;
        long position = hasMore ? page.get(page.size() - 1).changeSeq() : Math.max(q.after(), head);
        if (snapshotStart != null && position >= snapshotStart) snapshotStart = null;

        long lastProcessed = q.seenOpId();
        if (q.deviceId() != null && meta.progressSeq() != null && (!hasMore || meta.progressSeq() <= position)) {
            lastProcessed = Math.max(lastProcessed, meta.lastOpId());
        }
        return new ChangesResponse(page, position, snapshotStart, hasMore, lastProcessed, epoch, reset);
    }

}
