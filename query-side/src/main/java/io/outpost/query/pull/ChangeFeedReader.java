package io.outpost.query.pull;

import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Reads pages of the change feed: {@code WHERE tenant = ? AND (change_tx, change_seq) > (?, ?) AND change_tx < horizon
 * ORDER BY change_tx, change_seq LIMIT n}, one range scan of {@code records_feed}, so a page costs what it returns,
 * not what the tenant holds. The horizon, the page and the device's progress are read in one REPEATABLE READ snapshot;
 * the horizon is that snapshot's xmin, below which every transaction has ended ({@link FeedPosition}).
 *
 * <p><b>Read after write.</b> A change that committed before a pull began is in it: when the snapshot sees a change
 * of the tenant (or of the pulling device's progress) at or above its horizon — a transaction that began writing
 * before it is still open — the pull waits, at most {@link #SETTLE_LIMIT}, until the horizon has passed it, and reads
 * again. Past the limit (a long transaction elsewhere on the database) it answers with what lies below the horizon:
 * {@code lastProcessedOpId} says what the page includes, and the rest comes with a later pull.
 */
@Service
public class ChangeFeedReader {

    /** How long a pull waits for older transactions to end before it answers without the newest changes. */
    public static final Duration SETTLE_LIMIT = Duration.ofSeconds(1);

    /** Every transaction below it has ended; every one still to commit has an id at or above it. */
    private static final String HORIZON = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    /**
     * The newest writing transaction among the tenant's feed rows this snapshot sees: its records' and its removals'
     * (two parameters: the tenant twice).
     */
    private static final String NEWEST_TX = "GREATEST((SELECT COALESCE(MAX(change_tx), 0) FROM records "
            + "WHERE tenant = ?), (SELECT COALESCE(MAX(change_tx), 0) FROM feed_removals WHERE tenant = ?))";

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

    /**
     * Where a tenant's feed stands now: its epoch, the position a pull that read everything would continue from
     * (below the horizon), and the newest transaction among the tenant's committed changes: they all lie below
     * {@code position} once {@code position.tx() > newestTx} (while an older transaction is open, they may not yet).
     */
    public record Head(long epoch, FeedPosition position, long newestTx) {
    }

    public Head head(String tenant) {
        return jdbc.queryForObject("SELECT f.epoch, " + HORIZON + ", " + NEWEST_TX
                        + " FROM feed_state f WHERE f.id = 1",
                (rs, n) -> new Head(rs.getLong(1), FeedPosition.below(rs.getLong(2)), rs.getLong(3)), tenant, tenant);
    }

    public ChangesResponse fetch(FetchChangesQuery q) {
        Page first = snapshot.execute(status -> read(q));
        if (first.newestTx() < first.horizon() || !awaitHorizonAbove(first.newestTx())) return first.response();
        return snapshot.execute(status -> read(q)).response();
    }

    /**
     * Waits until every transaction up to {@code tx} has ended (polling the horizon; no lock to wait on exists for
     * it), at most {@link #SETTLE_LIMIT}: every 0.2–2 ms for the first 50 ms (a push's last milliseconds, the usual
     * wait), then less often, up to every 20 ms (a long transaction elsewhere). False when the limit passed first.
     */
    private boolean awaitHorizonAbove(long tx) {
        long start = System.nanoTime();
        long deadline = start + SETTLE_LIMIT.toNanos();
        long pause = 200_000;
        while (jdbc.queryForObject("SELECT " + HORIZON, Long.class) <= tx) {
            long now = System.nanoTime();
            if (now + pause > deadline) return false;
            LockSupport.parkNanos(pause);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return false;
            }
            pause = Math.min(pause * 2, now - start < 50_000_000 ? 2_000_000 : 20_000_000);
        }
        return true;
    }

    /** A page, with the horizon it was read below and the newest writing transaction its snapshot saw. */
    private record Page(ChangesResponse response, long horizon, long newestTx) {
    }

    /** The feed's epoch, the horizon, the newest transaction seen and the device's progress row ({@link #read}). */
    private record Meta(long epoch, long horizon, long newestTx, long lastOpId, FeedPosition progress) {
    }

    /**
     * One statement for what a page needs besides its rows (three before): a pull is a few round trips to PostgreSQL,
     * and under a node's full load each one waits for the CPU (the push benchmark's feed-lag probe). Being the first
     * statement of the transaction, it takes the snapshot the horizon belongs to.
     */
    private Meta meta(String tenant, String deviceId) {
        return jdbc.queryForObject("SELECT f.epoch, " + HORIZON + ", " + NEWEST_TX + ", "
                        + "p.last_op_id, p.progress_tx, p.progress_seq FROM feed_state f LEFT JOIN device_progress p "
                        + "ON p.tenant = ? AND p.device_id = ? WHERE f.id = 1",
                (rs, n) -> {
                    FeedPosition progress = rs.getObject(6) == null ? null
                            : new FeedPosition(rs.getLong(5), rs.getLong(6));
                    long newest = Math.max(rs.getLong(3), progress == null ? 0 : progress.tx());
                    return new Meta(rs.getLong(1), rs.getLong(2), newest, rs.getLong(4), progress);
                },
                tenant, tenant, tenant, deviceId);
    }

    private Page read(FetchChangesQuery asked) {
        Meta meta = meta(asked.tenant(), asked.deviceId());
        long epoch = meta.epoch();
        boolean reset = asked.cursorEpoch() != null && asked.cursorEpoch() != epoch;
        FetchChangesQuery q = reset ? asked.fromScratch() : asked;
        FeedPosition horizon = FeedPosition.below(meta.horizon());
        FeedPosition snapshotStart = q.snapshotStart();
        if (FetchChangesQuery.BEGIN_SNAPSHOT.equals(snapshotStart)) snapshotStart = horizon;
        if (snapshotStart != null && !snapshotStart.isAfter(q.after())) snapshotStart = null;

        List<String> ownerOnly = q.admin() ? List.of() : catalog.declared().stream()
                .filter(r -> r.visibility() == CollectionRules.Visibility.OWNER).map(CollectionRules::name).toList();
        StringBuilder sql = new StringBuilder("SELECT collection, id, version, deleted, data, updated_at, updated_by, "
                + "change_tx, change_seq, schema_version FROM records WHERE tenant = ? "
                + "AND (change_tx, change_seq) > (?, ?) AND change_tx < ?");
        if (!q.collections().isEmpty()) sql.append(" AND collection = ANY (?)");
        if (snapshotStart != null) sql.append(" AND (NOT deleted OR (change_tx, change_seq) > (?, ?))");
        if (!ownerOnly.isEmpty()) sql.append(" AND (collection <> ALL (?) OR owner = ?)");
        sql.append(" ORDER BY change_tx, change_seq LIMIT ?");
        if (!ownerOnly.isEmpty()) {
            // records the caller could see and no longer can, as tombstones (V16, docs/rebuild.md): only where the
            // collection is visibility owner and the record is not the caller's now, so a record seen again comes
            // as itself, at its later position
            sql.insert(0, "(").append(") UNION ALL (SELECT h.collection, h.id, r.version, true, NULL, r.updated_at, "
                    + "NULL, h.change_tx, h.change_seq, r.schema_version FROM feed_removals h JOIN records r "
                    + "ON r.tenant = h.tenant AND r.collection = h.collection AND r.id = h.id WHERE h.tenant = ? "
                    + "AND (h.change_tx, h.change_seq) > (?, ?) AND h.change_tx < ? "
                    + "AND h.lost_by IN (?, '') AND h.collection = ANY (?) AND r.owner IS DISTINCT FROM ?");
            if (!q.collections().isEmpty()) sql.append(" AND h.collection = ANY (?)");
            if (snapshotStart != null) sql.append(" AND (h.change_tx, h.change_seq) > (?, ?)");
            sql.append(" ORDER BY h.change_tx, h.change_seq LIMIT ?) ORDER BY 8, 9 LIMIT ?");
        }
        FeedPosition tombstonesAfter = snapshotStart;

        List<ChangeRow> rows = jdbc.query(con -> {
            PreparedStatement ps = con.prepareStatement(sql.toString());
            int i = 1;
            ps.setString(i++, q.tenant());
            ps.setLong(i++, q.after().tx());
            ps.setLong(i++, q.after().seq());
            ps.setLong(i++, horizon.tx());
            if (!q.collections().isEmpty()) {
                Array names = con.createArrayOf("varchar", q.collections().toArray());
                ps.setArray(i++, names);
            }
            if (tombstonesAfter != null) {
                ps.setLong(i++, tombstonesAfter.tx());
                ps.setLong(i++, tombstonesAfter.seq());
            }
            if (!ownerOnly.isEmpty()) {
                ps.setArray(i++, con.createArrayOf("varchar", ownerOnly.toArray()));
                ps.setString(i++, q.userId());
            }
            ps.setInt(i++, q.limit() + 1);
            if (!ownerOnly.isEmpty()) {
                ps.setString(i++, q.tenant());
                ps.setLong(i++, q.after().tx());
                ps.setLong(i++, q.after().seq());
                ps.setLong(i++, horizon.tx());
                ps.setString(i++, q.userId());
                ps.setArray(i++, con.createArrayOf("varchar", ownerOnly.toArray()));
                ps.setString(i++, q.userId());
                if (!q.collections().isEmpty()) {
                    ps.setArray(i++, con.createArrayOf("varchar", q.collections().toArray()));
                }
                if (tombstonesAfter != null) {
                    ps.setLong(i++, tombstonesAfter.tx());
                    ps.setLong(i++, tombstonesAfter.seq());
                }
                ps.setInt(i++, q.limit() + 1);
                ps.setInt(i, q.limit() + 1);
            }
            return ps;
        }, (rs, n) -> new ChangeRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBoolean(4),
                rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getString(7),
                new FeedPosition(rs.getLong(8), rs.getLong(9)), rs.getInt(10)));

        boolean hasMore = rows.size() > q.limit();
        List<ChangeRow> page = hasMore ? new ArrayList<>(rows.subList(0, q.limit())) : rows;
        FeedPosition position = hasMore ? page.get(page.size() - 1).position() : FeedPosition.max(q.after(), horizon);
        if (snapshotStart != null && !snapshotStart.isAfter(position)) snapshotStart = null;

        // the device's progress counts once the page reaches it: its effects lie at or below it, in its transaction
        long lastProcessed = q.seenOpId();
        if (q.deviceId() != null && meta.progress() != null && !meta.progress().isAfter(position)) {
            lastProcessed = Math.max(lastProcessed, meta.lastOpId());
        }
        return new Page(new ChangesResponse(page, position, snapshotStart, hasMore, lastProcessed, epoch, reset),
                meta.horizon(), meta.newestTx());
    }

}
