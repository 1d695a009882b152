package io.outpost.api.admin;


import io.outpost.command.api.CollectionCatalog;
import io.outpost.query.conflicts.ConflictsProjection;
import io.outpost.query.feed.ChangeFeedProjection;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * Rebuilds the read model and change feed from the event store while the server keeps answering: the projections
 * write into new tables ({@code *_next}) from the first event on; when they have caught up, one short transaction
 * locks the live tables (pulls wait, nothing is empty), applies every event committed since, swaps the tables and
 * starts a new feed epoch, so old cursors get {@code reset: true}. Events the live processor handles afterwards are
 * applied again to the new tables, which is harmless: every projection write is idempotent.
 */
@Component
public class ProjectionRebuild {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);
    private static final int BATCH = 1000;
    private static final List<String> TABLES = List.of("records", "device_progress", "conflicts");
    /** (old index name, new index name) of two tables' indexes on the same columns. */
    private static final String INDEX_PAIRS = "SELECT o.relname, n.relname FROM pg_index oi "
            + "JOIN pg_class o ON o.oid = oi.indexrelid "
            + "JOIN pg_index ni ON ni.indkey::text = oi.indkey::text AND ni.indisunique = oi.indisunique "
            + "JOIN pg_class n ON n.oid = ni.indexrelid "
            + "WHERE oi.indrelid = CAST(? AS regclass) AND ni.indrelid = CAST(? AS regclass)";

    public enum State { IDLE, RUNNING, SWITCHING, DONE, FAILED }

    @io.swagger.v3.oas.annotations.media.Schema(name = "RebuildStatus")
    public record Status(State state, long processed, long total, Instant startedAt, Instant finishedAt,
                         String error) {
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
            new AtomicReference<>(new Status(State.IDLE, 0, 0, null, null, null));
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

    /** Starts a rebuild on this node; false when one is already running here. */
    public synchronized boolean start() {
        if (status.get().busy()) return false;
        long total = jdbc.queryForObject("SELECT count(*) FROM domain_event_entry", Long.class);
        status.set(new Status(State.RUNNING, 0, total, clock.instant(), null, null));
        worker.submit(this::run);
        return true;
    }

    private void run() {
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
            TrackingToken from = position;
            transaction.executeWithoutResult(tx -> {
                jdbc.execute("LOCK TABLE records, device_progress, conflicts IN ACCESS EXCLUSIVE MODE");
                // everything committed until now, read afresh from the store (a new stream sees filled gaps at once)
                try (BlockingStream<TrackedEventMessage<?>> stream = eventStore.openStream(from)) {
                    List<TrackedEventMessage<?>> batch;
                    while (!(batch = takeNow(stream)).isEmpty()) {
                        apply(projections, batch);
                        advance(batch.size(), State.SWITCHING);
                    }
                }
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
                jdbc.update("UPDATE feed_state SET epoch = epoch + 1");
            });
            Status s = status.get();
            status.set(new Status(State.DONE, s.processed(), Math.max(s.total(), s.processed()), s.startedAt(),
                    clock.instant(), null));
            log.info("projection rebuild done: {} events", s.processed());
        } catch (Exception | Error e) {
            log.error("projection rebuild failed", e);
            Status s = status.get();
            status.set(new Status(State.FAILED, s.processed(), s.total(), s.startedAt(), clock.instant(),
                    "the rebuild failed; the live read model is unchanged (see the server log)"));
        }
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

    private static List<TrackedEventMessage<?>> takeNow(BlockingStream<TrackedEventMessage<?>> stream) {
        try {
            return take(stream, 300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while switching", e);
        }
    }

    private void advance(long processed, State state) {
        status.updateAndGet(s -> new Status(state, s.processed() + processed, s.total(), s.startedAt(), null, null));
    }
}
