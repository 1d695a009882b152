package io.outpost.api.admin;


import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.query.conflicts.ConflictsProjection;
import io.outpost.query.feed.ChangeFeedProjection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds the read model and change feed from the event store while the server keeps answering (docs/rebuild.md):
 * the projections write into new tables ({@code *_next}) from the first event on; when they have caught up, the
 * rebuilt rows are compared with the live ones, tenant by tenant, and only the differences are written to the live
 * tables: a record whose rebuilt row equals its live one keeps its feed position, a changed or new one gets a fresh
 * position, a live record the events do not have becomes a tombstone at a fresh position. No epoch changes, so every
 * cursor stays valid and a device gets exactly what changed. Each tenant's switch holds its feed lock (the one pushes
 * take, ChangeFeedProjection) while it applies the events committed meanwhile and writes the differences, so fresh
 * positions lie above everything committed and nothing commits below them; pulls are not blocked at all.
 *
 * <p>With {@code reset} the old way: one short transaction locks the live tables (pulls wait), applies the tail,
 * swaps the tables and starts a new feed epoch, so every cursor gets {@code reset: true} and a fresh snapshot. Events
 * the live processor handles afterwards are applied again to the new tables, which is harmless: every projection
 * write is idempotent.
 */
@Component
public class ProjectionRebuild {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);
    private static final int BATCH = 1000;
    /** Tenants switched per transaction: few enough that their feed locks are held briefly and fit the lock table. */
    private static final int TENANTS_PER_SWITCH = 100;
    /** The trigger V16 creates on {@code records}; a reset rebuild creates it again on the table it swaps in. */
    private static final String OWNER_TRIGGER = "CREATE TRIGGER records_owner_moved AFTER UPDATE OF owner ON records "
            + "FOR EACH ROW WHEN (OLD.owner IS NOT NULL AND OLD.owner IS DISTINCT FROM NEW.owner) "
            + "EXECUTE FUNCTION feed_owner_moved()";
    private static final List<String> TABLES = List.of("records", "device_progress", "conflicts");
    /** (old index name, new index name) of two tables' indexes on the same columns. */
    private static final String INDEX_PAIRS = "SELECT o.relname, n.relname FROM pg_index oi "
            + "JOIN pg_class o ON o.oid = oi.indexrelid "
            + "JOIN pg_index ni ON ni.indkey::text = oi.indkey::text AND ni.indisunique = oi.indisunique "
            + "JOIN pg_class n ON n.oid = ni.indexrelid "
            + "WHERE oi.indrelid = CAST(? AS regclass) AND ni.indrelid = CAST(? AS regclass)";

    public enum State { IDLE, RUNNING, SWITCHING, DONE, FAILED }

    /**
     * A rebuild's progress.
     *
     * @param reset             whether it starts a new feed epoch (every cursor then gets {@code reset: true})
     * @param changed           records the switch gave a fresh feed position (changed, new, or now tombstones)
     * @param switchMillis      how long the switch took, from the end of the replay (0 until it is done)
     * @param longestLockMillis the longest a tenant's pushes waited for the switch (the longest feed-lock hold; a reset
     *                          rebuild: how long it held the live tables, pulls included)
     */
    @io.swagger.v3.oas.annotations.media.Schema(name = "RebuildStatus")
    public record Status(State state, long processed, long total, Instant startedAt, Instant finishedAt,
                         String error, boolean reset, long changed, long switchMillis, long longestLockMillis) {
        boolean busy() {
            return state == State.RUNNING || state == State.SWITCHING;
        }
    }

    private final EventStore eventStore;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final CollectionCatalog catalog;
    private final Clock clock;
    private final AtomicReference<Status> status =
            new AtomicReference<>(new Status(State.IDLE, 0, 0, null, null, null, false, 0, 0, 0));
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "outpost-rebuild");
        t.setDaemon(true);
        return t;
    });

    public ProjectionRebuild(EventStore eventStore, JdbcTemplate jdbc, PlatformTransactionManager transactions,
                             CollectionCatalog catalog, Clock clock) {
        this.eventStore = eventStore;
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.catalog = catalog;
        this.clock = clock;
    }

    public Status status() {
        return status.get();
    }

    /**
     * Starts a rebuild on this node; false when one is already running here.
     *
     * @param reset start a new feed epoch (every device downloads its data again) instead of keeping cursors valid
     */
    public synchronized boolean start(boolean reset) {
        if (status.get().busy()) return false;
        long total = jdbc.queryForObject("SELECT count(*) FROM domain_event_entry", Long.class);
        status.set(new Status(State.RUNNING, 0, total, clock.instant(), null, null, reset, 0, 0, 0));
        worker.submit(() -> run(reset));
        return true;
    }

    private void run(boolean reset) {
        try {
            for (String table : TABLES) {
                jdbc.execute("DROP TABLE IF EXISTS " + table + "_next");
                jdbc.execute("CREATE TABLE " + table + "_next (LIKE " + table + " INCLUDING ALL)");
            }
            List<AnnotationEventHandlerAdapter> projections = List.of(
                    new AnnotationEventHandlerAdapter(ChangeFeedProjection.into(jdbc, catalog, "records_next",
                            "device_progress_next")),
                    new AnnotationEventHandlerAdapter(ConflictsProjection.into(jdbc, "conflicts_next")));
            TrackingToken position = null;
            try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(null)) {
                List<TrackedEventMessage<?>> batch;
                while (!(batch = take(stream, 200)).isEmpty()) {
                    List<TrackedEventMessage<?>> events = batch;
                    transaction.executeWithoutResult(tx -> apply(projections, events));
                    position = batch.get(batch.size() - 1).trackingToken();
                    advance(batch.size(), State.RUNNING);
                }
            }
            advance(0, State.SWITCHING);
            long switchStart = System.nanoTime();
            if (reset) {
                swapAndReset(projections, position);
            } else {
                switchInPlace(projections, position);
            }
            long switchMillis = (System.nanoTime() - switchStart) / 1_000_000;
            Status s = status.get();
            status.set(new Status(State.DONE, s.processed(), Math.max(s.total(), s.processed()), s.startedAt(),
                    clock.instant(), null, reset, s.changed(), switchMillis, s.longestLockMillis()));
            log.info("projection rebuild done: {} events, {} records at fresh positions, switch {} ms, longest lock "
                    + "{} ms{}", s.processed(), s.changed(), switchMillis, s.longestLockMillis(),
                    reset ? ", new feed epoch" : "");
        } catch (Exception | Error e) {
            log.error("projection rebuild failed", e);
            Status s = status.get();
            status.set(new Status(State.FAILED, s.processed(), s.total(), s.startedAt(), clock.instant(),
                    reset ? "the rebuild failed; the live read model is unchanged (see the server log)"
                            : "the rebuild failed; tenants switched before the failure have their rebuilt read model, "
                            + "the others are unchanged (see the server log)", reset, s.changed(), 0,
                    s.longestLockMillis()));
        }
    }

    /**
     * Writes the differences between the rebuilt and the live read model into the live tables, a few tenants per
     * transaction, each holding those tenants' feed locks; then the conflicts list; then drops the rebuilt tables.
     */
    private void switchInPlace(List<AnnotationEventHandlerAdapter> projections, TrackingToken replayed) {
        List<String> tenants = jdbc.queryForList("SELECT tenant FROM records_next UNION SELECT tenant FROM records "
                + "UNION SELECT tenant FROM device_progress_next ORDER BY 1", String.class);
        String[] ownerOnly = catalog.declared().stream()
                .filter(r -> r.visibility() == CollectionRules.Visibility.OWNER).map(CollectionRules::name)
                .toArray(String[]::new);
        RecordsDiff diff = new RecordsDiff(columns("records"), columns("device_progress"), columnTypes());
        TrackingToken[] from = {replayed};
        for (int i = 0; i < tenants.size(); i += TENANTS_PER_SWITCH) {
            List<String> chunk = tenants.subList(i, Math.min(tenants.size(), i + TENANTS_PER_SWITCH));
            long changed = transaction.execute(tx -> {
                unbounded();
                long locked = System.nanoTime();
                ChangeFeedProjection.lockFeeds(jdbc, chunk);
                // every event of these tenants that committed is in the store now, and none can commit until this
                // transaction ends (their pushes wait for the locks): bring the rebuilt tables up to it
                from[0] = catchUp(projections, from[0]);
                long n = diff.apply(jdbc, chunk.toArray(String[]::new), ownerOnly);
                long heldMillis = (System.nanoTime() - locked) / 1_000_000;
                status.updateAndGet(s -> new Status(s.state(), s.processed(), s.total(), s.startedAt(), null, null,
                        s.reset(), s.changed() + n, 0, Math.max(s.longestLockMillis(), heldMillis)));
                return n;
            });
            if (changed > 0) log.info("projection rebuild: {} records of {} tenant(s) at fresh positions", changed,
                    chunk.size());
        }
        // conflicts have no feed position; their writers are held off by a table lock for the moment of the copy
        List<String> conflictColumns = columns("conflicts");
        Map<String, String> types = columnTypes();
        transaction.executeWithoutResult(tx -> {
            unbounded();
            jdbc.execute("LOCK TABLE conflicts IN EXCLUSIVE MODE");
            from[0] = catchUp(projections, from[0]);
            String all = String.join(", ", conflictColumns);
            String n = prefixed("n", conflictColumns);
            jdbc.update("DELETE FROM conflicts l WHERE NOT EXISTS (SELECT 1 FROM conflicts_next n "
                    + "WHERE n.tenant = l.tenant AND n.conflict_id = l.conflict_id)");
            jdbc.update("INSERT INTO conflicts (" + all + ") SELECT " + n + " FROM conflicts_next n "
                    + "LEFT JOIN conflicts l ON l.tenant = n.tenant AND l.conflict_id = n.conflict_id "
                    + "WHERE " + differs(conflictColumns, types, "conflicts") + " "
                    + "ON CONFLICT (tenant, conflict_id) DO UPDATE SET " + assignments(conflictColumns,
                    List.of("tenant", "conflict_id")));
        });
        for (String table : TABLES) jdbc.execute("DROP TABLE " + table + "_next");
    }

    /**
     * The set-based comparison of rebuilt ({@code _next}) and live rows of some tenants, over every column the tables
     * have (so columns added later take part without a change here).
     */
    private record RecordsDiff(List<String> records, List<String> progress, Map<String, String> types) {

        long apply(JdbcTemplate jdbc, String[] tenants, String[] ownerOnly) {
            List<String> content = records.stream().filter(c -> !List.of("tenant", "collection", "id", "owner",
                    "change_seq", "change_tx").contains(c)).toList();
            String values = records.stream().map(c -> switch (c) {
                case "change_seq" -> "nextval('change_seq')";
                case "change_tx" -> ChangeFeedProjection.CURRENT_TX;
                default -> "n." + c;
            }).collect(java.util.stream.Collectors.joining(", "));
            // changed or new: a fresh position; in owner-visibility collections a new owner counts as a change (the
            // new owner must get the record; the trigger records_owner_moved tells the old owner it is gone)
            long changed = jdbc.update(con -> {
                java.sql.PreparedStatement ps = con.prepareStatement("INSERT INTO records ("
                        + String.join(", ", records) + ") SELECT " + values + " FROM records_next n "
                        + "LEFT JOIN records l ON l.tenant = n.tenant AND l.collection = n.collection AND l.id = n.id "
                        + "WHERE n.tenant = ANY (?) AND (l.id IS NULL OR " + differs(content, types, "records")
                        + " OR (n.collection = ANY (?) "
                        + "AND l.owner IS DISTINCT FROM n.owner)) ORDER BY n.change_seq "
                        + "ON CONFLICT (tenant, collection, id) DO UPDATE SET "
                        + assignments(records, List.of("tenant", "collection", "id")));
                ps.setArray(1, con.createArrayOf("varchar", tenants));
                ps.setArray(2, con.createArrayOf("varchar", ownerOnly));
                return ps;
            });
            // a new owner where nobody's view depends on it (tenant visibility): in place, no fresh position
            jdbc.update(con -> {
                java.sql.PreparedStatement ps = con.prepareStatement("UPDATE records l SET owner = n.owner "
                        + "FROM records_next n WHERE l.tenant = n.tenant AND l.collection = n.collection "
                        + "AND l.id = n.id AND l.tenant = ANY (?) AND l.owner IS DISTINCT FROM n.owner");
                ps.setArray(1, con.createArrayOf("varchar", tenants));
                return ps;
            });
            // live records the events do not have: tombstones, so devices drop them
            long removed = jdbc.update(con -> {
                java.sql.PreparedStatement ps = con.prepareStatement("UPDATE records l SET deleted = true, "
                        + "data = NULL, updated_at = now(), updated_by = NULL, change_seq = nextval('change_seq'), "
                        + "change_tx = DEFAULT "
                        + "WHERE l.tenant = ANY (?) AND NOT l.deleted AND NOT EXISTS (SELECT 1 FROM records_next n "
                        + "WHERE n.tenant = l.tenant AND n.collection = l.collection AND n.id = l.id)");
                ps.setArray(1, con.createArrayOf("varchar", tenants));
                return ps;
            });
            // a device's progress: a fresh position where the rebuilt opId differs (pulls vouch for it from there)
            List<String> progressContent = progress.stream()
                    .filter(c -> !List.of("tenant", "device_id", "progress_seq", "progress_tx").contains(c)).toList();
            jdbc.update(con -> {
                java.sql.PreparedStatement ps = con.prepareStatement("INSERT INTO device_progress ("
                        + String.join(", ", progress) + ") SELECT " + progress.stream()
                        .map(c -> switch (c) {
                            case "progress_seq" -> "nextval('change_seq')";
                            case "progress_tx" -> ChangeFeedProjection.CURRENT_TX;
                            default -> "n." + c;
                        })
                        .collect(java.util.stream.Collectors.joining(", ")) + " FROM device_progress_next n "
                        + "LEFT JOIN device_progress l ON l.tenant = n.tenant AND l.device_id = n.device_id "
                        + "WHERE n.tenant = ANY (?) AND (l.device_id IS NULL OR "
                        + differs(progressContent, types, "device_progress") + ") "
                        + "ON CONFLICT (tenant, device_id) DO UPDATE SET "
                        + assignments(progress, List.of("tenant", "device_id")));
                ps.setArray(1, con.createArrayOf("varchar", tenants));
                return ps;
            });
            return changed + removed;
        }
    }

    /** The old way: swap the rebuilt tables in under a lock of the live ones and start a new feed epoch. */
    private void swapAndReset(List<AnnotationEventHandlerAdapter> projections, TrackingToken from) {
        transaction.executeWithoutResult(tx -> {
            unbounded();
            long locked = System.nanoTime();
            jdbc.execute("LOCK TABLE records, device_progress, conflicts, feed_removals IN ACCESS EXCLUSIVE MODE");
            // everything committed until now, read afresh from the store (a new stream sees filled gaps at once)
            catchUp(projections, from);
            for (String table : TABLES) {
                jdbc.execute("ALTER TABLE " + table + " RENAME TO " + table + "_old");
                jdbc.execute("ALTER TABLE " + table + "_next RENAME TO " + table);
                // the new table's indexes take the names migrations know (records_feed, records_pkey, ...)
                List<String[]> names = jdbc.query(INDEX_PAIRS,
                        (rs, n) -> new String[]{rs.getString(1), rs.getString(2)}, table + "_old", table);
                jdbc.execute("DROP TABLE " + table + "_old");
                for (String[] name : names) {
                    jdbc.execute("ALTER INDEX \"" + name[1] + "\" RENAME TO \"" + name[0] + "\"");
                }
            }
            jdbc.execute(OWNER_TRIGGER);
            // every cursor is reset, so no device needs a removal any more
            jdbc.update("DELETE FROM feed_removals");
            jdbc.update("UPDATE feed_state SET epoch = epoch + 1");
            long heldMillis = (System.nanoTime() - locked) / 1_000_000;
            status.updateAndGet(s -> new Status(s.state(), s.processed(), s.total(), s.startedAt(), null, null,
                    true, s.changed(), 0, heldMillis));
        });
    }

    /** Applies every event committed after {@code from} to the rebuilt tables; the position reached. */
    private TrackingToken catchUp(List<AnnotationEventHandlerAdapter> projections, TrackingToken from) {
        TrackingToken position = from;
        try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(from)) {
            List<TrackedEventMessage<?>> batch;
            while (!(batch = takeNow(stream)).isEmpty()) {
                apply(projections, batch);
                position = batch.get(batch.size() - 1).trackingToken();
                advance(batch.size(), State.SWITCHING);
            }
        }
        return position;
    }

    /**
     * This transaction's connection without the pool's 2 s read timeout: a switch writes many rows in one statement
     * (Hikari puts the timeout back when the connection returns to the pool, as for Flyway: MigrationConfiguration).
     */
    private void unbounded() {
        jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<Void>) con -> {
            con.setNetworkTimeout(Runnable::run, 0);
            return null;
        });
    }

    private List<String> columns(String table) {
        return jdbc.queryForList("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                + "AND table_schema = current_schema() ORDER BY ordinal_position", String.class, table);
    }

    /** The live tables' column types, {@code table.column} to {@code data_type}: the comparison goes by them. */
    private Map<String, String> columnTypes() {
        Map<String, String> types = new java.util.HashMap<>();
        jdbc.query("SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                + "WHERE table_name IN ('records', 'device_progress', 'conflicts') "
                + "AND table_schema = current_schema()", rs -> {
            types.put(rs.getString(1), rs.getString(2));
        });
        return types;
    }

    private static String prefixed(String alias, List<String> columns) {
        return columns.stream().map(c -> alias + "." + c).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * Whether a live row ({@code l}) differs from its rebuilt one ({@code n}) in these columns. Times count as equal
     * when the live one lies within the millisecond from the rebuilt one: the event store keeps an event's time to the
     * millisecond (Axon's format, truncated), while the live projection wrote the time it had in memory, rounded to
     * the microsecond. A {@code json} column (records.data, V18), which has no equality, is compared as {@code jsonb}:
     * as JSON values, not as text.
     */
    private static String differs(List<String> columns, Map<String, String> types, String table) {
        java.util.function.Predicate<String> time = c -> types.getOrDefault(table + "." + c, "")
                .startsWith("timestamp");
        List<String> plain = columns.stream().filter(time.negate()).toList();
        StringBuilder sql = new StringBuilder("ROW(" + comparable("l", plain, types, table) + ") IS DISTINCT FROM ROW("
                + comparable("n", plain, types, table) + ")");
        columns.stream().filter(time).forEach(c -> sql.append(" OR (l.").append(c)
                .append(" IS NULL) <> (n.").append(c).append(" IS NULL) OR NOT (l.").append(c).append(" BETWEEN n.")
                .append(c).append(" AND n.").append(c).append(" + interval '1 millisecond')"));
        return "(" + sql + ")";
    }

    /** {@link #prefixed}, for a comparison: a {@code json} column as {@code jsonb}. */
    private static String comparable(String alias, List<String> columns, Map<String, String> types, String table) {
        return columns.stream().map(c -> alias + "." + c + ("json".equals(types.get(table + "." + c)) ? "::jsonb" : ""))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static String assignments(List<String> columns, List<String> key) {
        return columns.stream().filter(c -> !key.contains(c)).map(c -> c + " = excluded." + c)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Handles a batch in one unit of work, so the projections write it as JDBC batches in the caller's transaction. */
    private static void apply(List<AnnotationEventHandlerAdapter> projections, List<TrackedEventMessage<?>> events) {
        DefaultUnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        uow.execute(() -> {
            for (TrackedEventMessage<?> event : events) {
                for (AnnotationEventHandlerAdapter p : projections) {
                    try {
                        p.handle(event);
                    } catch (Exception e) {
                        throw new IllegalStateException("rebuild failed at " + event.trackingToken(), e);
                    }
                }
            }
        });
    }

    /** Up to {@link #BATCH} events that are available now (waiting at most {@code waitMillis} for the first). */
    private static List<TrackedEventMessage<?>> take(BlockingStream<TrackedEventMessage<?>> stream, long waitMillis)
            throws InterruptedException {
        List<TrackedEventMessage<?>> batch = new ArrayList<>();
        if (!stream.hasNextAvailable((int) waitMillis, TimeUnit.MILLISECONDS)) return batch;
        while (batch.size() < BATCH && stream.hasNextAvailable()) batch.add(stream.nextAvailable());
        return batch;
    }

    /**
     * What the store holds now: a new stream reads its first events from the store in the calling thread (Axon's
     * private stream), filled gaps included, so a short wait only ends the read when nothing is left.
     */
    private static List<TrackedEventMessage<?>> takeNow(BlockingStream<TrackedEventMessage<?>> stream) {
        try {
            return take(stream, 20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while switching", e);
        }
    }

    private void advance(long processed, State state) {
        status.updateAndGet(s -> new Status(state, s.processed() + processed, s.total(), s.startedAt(), null, null,
                s.reset(), s.changed(), 0, s.longestLockMillis()));
    }
}
