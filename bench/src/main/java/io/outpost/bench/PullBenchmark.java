package io.outpost.bench;

import static io.outpost.bench.PushBenchmark.excerpt;
import static io.outpost.bench.PushBenchmark.fmt;
import static io.outpost.bench.PushBenchmark.log;
import static io.outpost.bench.PushBenchmark.row;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.outpost.bench.FeedLag.Pulled;
import io.outpost.bench.FeedLag.Puller;
import io.outpost.bench.PushBenchmark.BenchFailure;
import io.outpost.bench.PushBenchmark.Phase;
import io.outpost.bench.PushBenchmark.ServerLog;
import io.outpost.query.pull.FeedPosition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * The read side of the Outpost server, measured in one run against one in-process server and its (throw-away,
 * embedded) PostgreSQL:
 * <ol type="a">
 *   <li>incremental pull cost vs tenant size: the same 1,000 changes pulled (one request, limit 1000) from a tenant
 *   holding {@code bigTenant} records and from one holding {@code smallTenant}; median client time (and server
 *   time, from the server's {@code http.server.requests} timer) of {@code pullReps} repetitions each, interleaved,
 *   and the ratio large/small (target at most 2);</li>
 *   <li>projection lag under push load: while {@code lagDevices} devices push {@code lagPushes} pushes of
 *   {@code lagBatch} ops into one tenant, a probe device of another tenant pushes one create every
 *   {@code lagInterval} ms and polls pull (every 5 ms) until the record is there: the time from the push's 200 to
 *   the pull that shows it (target p99 at most 500 ms);</li>
 *   <li>a full snapshot of a tenant of {@code snapshot} records, paged with limit 1000 from no cursor until
 *   {@code hasMore} is false; every id must arrive exactly once.</li>
 * </ol>
 *
 * <p><b>Seeding.</b> What is measured is the read path, so the bulk of the big, small and snapshot tenants is
 * written straight into the read model ({@code records}) with SQL ({@code INSERT ... SELECT ... FROM
 * generate_series}, {@code change_seq} from {@code nextval('change_seq')} as the projection takes it, medication
 * dispense data of about 200 bytes of JSON), then {@code VACUUM ANALYZE}d: pushing a million records through HTTP
 * would take far too long on a small machine and measures the write path, which {@link PushBenchmark} does. Those
 * records have no events behind them, so nothing may push to them; the 1,000 changes pulled in (a) are pushed
 * through the real HTTP push path: a feeder device creates 500 records before the cursor, and after it updates
 * those 500 and creates 500 more.
 *
 * <p><b>The cursor.</b> A cursor is only valid when the server signed it, and walking a snapshot of a million
 * records to get one would take minutes. So the benchmark subscribes to {@code GET /sync/stream} before the feeder's
 * first push; the stream's {@code poke} carries a server-signed cursor at the tenant's head at the time of the poke
 * (after the seeded bulk). One incremental pull from that cursor catches up with the rest of the 500 creates and
 * returns a cursor at the head: the position just before the 1,000 changes. No cursor is forged.
 *
 * <p>Every request must answer 200 and every check hold, else the run fails (exit 1). Parameters:
 * {@code -Dbench.bigTenant=1000000 -Dbench.smallTenant=10000 -Dbench.pullReps=20 -Dbench.lagDevices=32
 * -Dbench.lagPushes=5 -Dbench.lagBatch=200 -Dbench.lagInterval=100 -Dbench.snapshot=100000}; the Markdown report
 * goes to stdout and to {@code -Dbench.report} (default {@code target/pull-benchmark.md}).
 */
public final class PullBenchmark {

    static final String BIG = "pull-big";
    static final String SMALL = "pull-small";
    static final String SNAPSHOT = "pull-snapshot";
    static final String LAG_LOAD = "lag-load";
    static final String LAG_PROBE = "lag-probe";

    /** The changes pulled in (a): {@value #PRE_CREATES} updates of records created before the cursor + as many creates. */
    static final int WINDOW = 1000;
    static final int PRE_CREATES = 500;
    static final int WINDOW_PUSHES = 5;
    /** The server's largest page. */
    static final int MAX_LIMIT = FeedLag.MAX_LIMIT;
    static final int WARMUP_PULLS = 3;
    static final int EXPLAIN_RUNS = 5;
    static final long POLL_NANOS = FeedLag.POLL_NANOS;
    static final Duration WAIT_DEADLINE = Duration.ofSeconds(120);
    static final int SEED_CHUNK = 100_000;

    /** The query ChangeFeedReader issues for an incremental pull of all collections (no owner-only collections). */
    static final String FEED_SQL = "SELECT collection, id, version, deleted, data, updated_at, updated_by, change_tx, "
            + "change_seq FROM records WHERE tenant = ? AND (change_tx, change_seq) > (?, ?) "
            + "AND change_tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
            + "ORDER BY change_tx, change_seq LIMIT ?";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private PullBenchmark() {
    }

    record Params(int bigTenant, int smallTenant, int reps, int lagDevices, int lagPushes, int lagBatch,
                  int lagIntervalMs, int snapshot, Path report) {

        static Params fromSystemProperties() {
            Params p = new Params(integer("bench.bigTenant", 1_000_000), integer("bench.smallTenant", 10_000),
                    integer("bench.pullReps", 20), integer("bench.lagDevices", 32), integer("bench.lagPushes", 5),
                    integer("bench.lagBatch", 200), integer("bench.lagInterval", 100),
                    integer("bench.snapshot", 100_000),
                    Path.of(System.getProperty("bench.report", "target/pull-benchmark.md")));
            int least = WINDOW + 1;
            require(p.bigTenant >= least, "-Dbench.bigTenant must be at least " + least);
            require(p.smallTenant >= least, "-Dbench.smallTenant must be at least " + least);
            require(p.reps >= 1, "-Dbench.pullReps must be at least 1");
            require(p.lagDevices >= 1 && p.lagPushes >= 1, "-Dbench.lagDevices and -Dbench.lagPushes must be at least 1");
            require(p.lagBatch >= 2 && p.lagBatch <= 1000, "-Dbench.lagBatch must be from 2 to 1000");
            require(p.lagIntervalMs >= 1, "-Dbench.lagInterval must be at least 1 (ms)");
            require(p.snapshot >= 1, "-Dbench.snapshot must be at least 1");
            return p;
        }

        private static int integer(String name, int fallback) {
            String raw = System.getProperty(name);
            try {
                return raw == null || raw.isBlank() ? fallback : Integer.parseInt(raw.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + name + " must be an integer, not '" + raw + "'");
            }
        }

        private static void require(boolean ok, String message) {
            if (!ok) throw new IllegalArgumentException(message);
        }

        Path serverLog() {
            Path file = report.toAbsolutePath();
            return file.resolveSibling(file.getFileName().toString().replaceFirst("\\.md$", "") + "-server.log");
        }

        /** Records seeded by SQL into a tenant that is to hold {@code total}: the feeder pushes the other 1,000. */
        static int seeded(int total) {
            return total - PRE_CREATES - (WINDOW - PRE_CREATES);
        }

        long lagOps() {
            return (long) lagDevices * lagPushes * lagBatch;
        }

        /** Records the load creates: the first push of each device all creates, later ones half. */
        long lagCreates() {
            return (long) lagDevices * (lagBatch + (long) (lagPushes - 1) * (lagBatch - lagBatch / 2));
        }
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("pull", () -> run(Params.fromSystemProperties()));
    }

    static int run(Params params) throws Exception {
        Path serverLog = params.serverLog();
        Files.deleteIfExists(serverLog);
        Files.deleteIfExists(params.report()); // no stale report survives a failed run
        log("Starting the Outpost server in-process (embedded PostgreSQL, throw-away); its log: " + serverLog);
        long startAt = System.nanoTime();
        try (InProcessServer server = InProcessServer.start(serverLog)) {
            double startSeconds = PushBenchmark.seconds(System.nanoTime() - startAt);
            String base = "http://127.0.0.1:" + server.port() + "/api/v1/sync/";
            URI push = URI.create(base + "push");
            log(String.format(Locale.ROOT, "Server up on port %d in %.1f s. %s", server.port(), startSeconds,
                    params));
            DataSource db = server.dataSource();
            ServerTimer timer = new ServerTimer(server);

            // seeding: the bulk straight into the read model, by SQL (the read path is what is measured)
            long seedAt = System.nanoTime();
            seed(db, BIG, Params.seeded(params.bigTenant()));
            seed(db, SMALL, Params.seeded(params.smallTenant()));
            seed(db, SNAPSHOT, params.snapshot());
            vacuumAnalyze(db);
            double seedSeconds = PushBenchmark.seconds(System.nanoTime() - seedAt);
            log(String.format(Locale.ROOT, "Seeded %d + %d + %d records by SQL in %.1f s (incl. VACUUM ANALYZE)",
                    Params.seeded(params.bigTenant()), Params.seeded(params.smallTenant()), params.snapshot(),
                    seedSeconds));

            // (a) the same 1,000 changes from a big and a small tenant
            log("(a) pushing the 1,000 changes for each tenant through HTTP...");
            Window big = prepareWindow(server, base, push, db, BIG, params.bigTenant());
            Window small = prepareWindow(server, base, push, db, SMALL, params.smallTenant());
            log("(a) " + params.reps() + " repetitions of each pull (" + WARMUP_PULLS + " warm-up each)...");
            PullTimes[] times = measureWindows(params.reps(), timer, big, small);
            Explain bigPlan = Explain.run(db, big.tenant(), big.position());
            Explain smallPlan = Explain.run(db, small.tenant(), small.position());
            log(String.format(Locale.ROOT, "(a) median pull: %.1f ms (%d records) vs %.1f ms (%d records)",
                    times[0].clientMedianMillis(), params.bigTenant(), times[1].clientMedianMillis(),
                    params.smallTenant()));

            // (b) projection lag under push load
            Lag lag = lag(server, base, push, db, params);
            log(String.format(Locale.ROOT, "(b) lag p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d samples",
                    lag.loaded().percentileMillis(50), lag.loaded().percentileMillis(99),
                    lag.loaded().percentileMillis(100), lag.loaded().count()));

            // (c) full snapshot
            log("(c) snapshot of " + params.snapshot() + " records...");
            Snapshot snapshot = snapshot(server, base, params.snapshot());
            log(String.format(Locale.ROOT, "(c) %d records in %d pages in %.2f s", snapshot.records(),
                    snapshot.pages().count(), snapshot.seconds()));

            // (d) rebuild of the read model and change feed from the event store
            log("(d) rebuilding the read model from the event store...");
            Rebuild rebuild = rebuild(server);
            log(String.format(Locale.ROOT, "(d) %d events in %.2f s", rebuild.events(), rebuild.seconds()));

            ServerLog logged = ServerLog.read(serverLog);
            if (logged.errors() > 0) {
                log("WARNING: the server logged " + logged.errors() + " ERROR lines during the run; see " + serverLog);
            }
            String report = report(params, startSeconds, seedSeconds, logged, times, bigPlan, smallPlan, lag,
                    snapshot) + rebuildReport(rebuild);
            System.out.println();
            System.out.println(report);
            Path file = params.report().toAbsolutePath();
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            Files.writeString(file, report, StandardCharsets.UTF_8);
            log("Report written to " + file);
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------- (d) rebuild

    record Rebuild(long events, double seconds, long changed, long switchMillis, long longestLockMillis) {
    }

    /** Starts {@code ProjectionRebuild} in the server and waits (deadline 10 min) until it is done. */
    static Rebuild rebuild(InProcessServer server) throws Exception {
        io.outpost.api.admin.ProjectionRebuild rebuild = server.bean(io.outpost.api.admin.ProjectionRebuild.class);
        if (!rebuild.start(false)) throw new BenchFailure("a rebuild was already running");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
        io.outpost.api.admin.ProjectionRebuild.Status status;
        while (true) {
            status = rebuild.status();
            if (status.state() == io.outpost.api.admin.ProjectionRebuild.State.DONE) break;
            if (status.state() == io.outpost.api.admin.ProjectionRebuild.State.FAILED) {
                throw new BenchFailure("the rebuild failed: " + status.error());
            }
            if (System.nanoTime() > deadline) throw new BenchFailure("the rebuild did not finish in 10 minutes");
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
        double seconds = java.time.Duration.between(status.startedAt(), status.finishedAt()).toMillis() / 1000.0;
        return new Rebuild(status.processed(), seconds, status.changed(), status.switchMillis(),
                status.longestLockMillis());
    }

    static String rebuildReport(Rebuild rebuild) {
        return "\n### (d) Rebuild of the read model and change feed from the event store\n\n"
                + "| events | wall time (s) | throughput | records changed | switch (ms) | longest lock (ms) |\n"
                + "|---:|---:|---:|---:|---:|---:|\n"
                + "| " + rebuild.events() + " | " + fmt("%.2f", rebuild.seconds()) + " | **"
                + fmt("%.0f", rebuild.events() / rebuild.seconds()) + " events/s** | " + rebuild.changed() + " | "
                + rebuild.switchMillis() + " | " + rebuild.longestLockMillis() + " |\n\n"
                + "Every event of the store (all tenants) replayed into new tables, then compared with the live read "
                + "model tenant by tenant under each tenant's feed lock, keeping cursors valid (docs/rebuild.md); "
                + "the server kept answering meanwhile.\n";
    }

    // ------------------------------------------------------------------------------------------------ seeding

    /**
     * Writes {@code count} live records of collection {@code dispenses} into {@code tenant}'s read model, as the
     * projection would have (one row per record, version 1, {@code change_seq} from the projection's sequence), in
     * transactions of {@value #SEED_CHUNK} rows. The data is a medication dispense like {@link BenchDevice}'s, about
     * 200 bytes of JSON.
     */
    static void seed(DataSource db, String tenant, int count) throws SQLException {
        String sql = """
                INSERT INTO records (tenant, collection, id, version, deleted, data, owner, created_by, updated_at,
                                     updated_by, change_seq)
                SELECT ?, 'dispenses', 'seed-' || lpad(g::text, 7, '0'), 1, false,
                       jsonb_build_object('patient', 'P-seed-' || lpad(g::text, 7, '0'),
                                          'drug', (?::text[])[1 + g % 8], 'dose', 250 * (1 + g % 4),
                                          'unit', 'mg', 'route', 'oral', 'ward', 'B' || (1 + g % 6),
                                          'givenAt', '2026-11-24T10:15:00Z', 'notes', ?::text),
                       'nurse-' || (g % 32), 'nurse-' || (g % 32), now() - (? - g) * interval '1 second',
                       'nurse-' || (g % 32), nextval('change_seq')
                FROM generate_series(?::int, ?::int) AS g""";
        String notes = parse(BenchDevice.dispense("seed", 0)).path("notes").asText();
        long at = System.nanoTime();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            // a chunk can take longer than the server's read timeout (2 s) on a busy machine; the pool resets it
            c.setNetworkTimeout(Runnable::run, 0);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int from = 1; from <= count; from += SEED_CHUNK) {
                    int to = Math.min(count, from + SEED_CHUNK - 1);
                    ps.setString(1, tenant);
                    ps.setArray(2, c.createArrayOf("text", BenchDevice.DRUGS));
                    ps.setString(3, notes);
                    ps.setInt(4, count);
                    ps.setInt(5, from);
                    ps.setInt(6, to);
                    int rows = ps.executeUpdate();
                    if (rows != to - from + 1) {
                        throw new BenchFailure("seeding " + tenant + ": inserted " + rows + " rows, not " + (to - from + 1));
                    }
                }
            }
        }
        log(String.format(Locale.ROOT, "  seeded %d records into %s in %.1f s", count, tenant,
                PushBenchmark.seconds(System.nanoTime() - at)));
    }

    static void vacuumAnalyze(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute("VACUUM (ANALYZE) records");
        }
    }

    // -------------------------------------------------------------------------------- (a) the pulled window

    /**
     * The 1,000 changes of a tenant and a server-issued cursor just before them.
     *
     * @param position the feed position the cursor stands at (the tenant's head before the 1,000 changes)
     * @param expected id -> version of every change after the cursor
     */
    record Window(String tenant, int holding, Puller reader, String cursor, FeedPosition position,
                  Map<String, Long> expected, double projectedMillis) {
    }

    /**
     * Creates {@value #PRE_CREATES} records through HTTP, gets a cursor at the head (see the class comment), then
     * pushes the 1,000 changes (5 pushes of 100 updates of those records and 100 creates) and waits, polling pull
     * from the cursor, until the projection has all of them.
     */
    static Window prepareWindow(InProcessServer server, String base, URI push, DataSource db, String tenant,
                                int holding) throws Exception {
        BenchDevice feeder = new BenchDevice(server, tenant, "feeder", "nurse-feeder");
        Puller reader = new Puller(server, base, tenant, "reader", "nurse-reader");
        String pokeCursor;
        try (Pokes pokes = Pokes.open(reader, URI.create(base + "stream?deviceId=" + reader.deviceId))) {
            FeedLag.send(feeder, push, feeder.push(PRE_CREATES, 0));
            pokeCursor = pokes.next(WAIT_DEADLINE);
        }
        awaitProgress(db, tenant, feeder.deviceId, PRE_CREATES);
        // from the poke's position (after the seeded bulk) to the head: the rest of the 500 creates at most
        Pulled catchUp = reader.pull(pokeCursor, MAX_LIMIT);
        if (catchUp.hasMore() || catchUp.changes().size() > PRE_CREATES) {
            throw new BenchFailure(tenant + ": the pull from the stream's cursor returned " + catchUp.changes().size()
                    + " changes (hasMore " + catchUp.hasMore() + "), at most " + PRE_CREATES + " expected");
        }
        for (JsonNode c : catchUp.changes()) {
            if (!c.path("id").asText().startsWith(feeder.deviceId + "-")) {
                throw new BenchFailure(tenant + ": the stream's cursor is behind the seeded records: got " + c);
            }
        }
        String cursor = catchUp.cursor();
        FeedPosition position = head(db, tenant);

        Map<String, Long> expected = new HashMap<>();
        for (int p = 0; p < WINDOW_PUSHES; p++) {
            int updates = PRE_CREATES / WINDOW_PUSHES;
            BenchDevice.Push w = feeder.push(WINDOW / WINDOW_PUSHES - updates, updates);
            FeedLag.send(feeder, push, w);
            for (int i = 0; i < w.size(); i++) expected.put(w.ids()[i], w.versions()[i]);
        }
        long pushedAt = System.nanoTime();
        if (expected.size() != WINDOW) {
            throw new BenchFailure(tenant + ": the window holds " + expected.size() + " distinct records");
        }

        long deadline = pushedAt + WAIT_DEADLINE.toNanos();
        Pulled page;
        while (true) {
            long at = System.nanoTime();
            page = reader.pull(cursor, MAX_LIMIT);
            if (page.hasMore()) {
                throw new BenchFailure(tenant + ": more than " + WINDOW + " changes after the cursor");
            }
            if (page.changes().size() == WINDOW) break;
            if (System.nanoTime() > deadline) {
                throw new BenchFailure(tenant + ": after " + WAIT_DEADLINE.toSeconds() + " s the pull shows "
                        + page.changes().size() + " of the " + WINDOW + " pushed changes");
            }
            LockSupport.parkNanos(at + 2 * POLL_NANOS - System.nanoTime());
        }
        double projectedMillis = (System.nanoTime() - pushedAt) / 1e6;
        checkWindow(tenant, page, expected);
        long held = count(db, "SELECT count(*) FROM records WHERE tenant = ?", tenant);
        if (held != holding) throw new BenchFailure(tenant + " holds " + held + " records, not " + holding);
        log(String.format(Locale.ROOT, "  %s: %d records, cursor after feed position %d.%d, the 1,000 changes "
                + "visible %.0f ms after the last push", tenant, held, position.tx(), position.seq(), projectedMillis));
        return new Window(tenant, holding, reader, cursor, position, expected, projectedMillis);
    }

    /** Exactly the expected records at the expected versions, none deleted, no reset. */
    static void checkWindow(String tenant, Pulled page, Map<String, Long> expected) {
        if (page.changes().size() != expected.size() || page.hasMore()) {
            throw new BenchFailure(tenant + ": pulled " + page.changes().size() + " changes (hasMore "
                    + page.hasMore() + "), expected " + expected.size());
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode c : page.changes()) {
            String id = c.path("id").asText();
            Long version = expected.get(id);
            if (version == null || !seen.add(id) || c.path("version").asLong() != version
                    || c.path("deleted").asBoolean() || !c.path("data").isObject()) {
                throw new BenchFailure(tenant + ": unexpected change " + excerpt(c.toString()));
            }
        }
    }

    /** Client and server times of one tenant's measured pulls, in nanoseconds. */
    record PullTimes(Window window, long[] client, long[] server, long bytes) {
        double clientMedianMillis() {
            return median(client) / 1e6;
        }

        double serverMedianMillis() {
            return server.length == 0 ? Double.NaN : median(server) / 1e6;
        }
    }

    /** Warm-up, then {@code reps} pulls of each window, interleaved (alternating which goes first). */
    static PullTimes[] measureWindows(int reps, ServerTimer timer, Window... windows) throws Exception {
        for (Window w : windows) {
            for (int i = 0; i < WARMUP_PULLS; i++) checkWindow(w.tenant(), w.reader().pull(w.cursor(), MAX_LIMIT),
                    w.expected());
        }
        long[][] client = new long[windows.length][reps];
        long[][] server = new long[windows.length][reps];
        long[] bytes = new long[windows.length];
        boolean serverTimes = timer.available();
        for (int r = 0; r < reps; r++) {
            for (int k = 0; k < windows.length; k++) {
                int w = (r % 2 == 0) ? k : windows.length - 1 - k;
                Window window = windows[w];
                ServerTimer.Reading before = timer.read();
                Pulled page = window.reader().pull(window.cursor(), MAX_LIMIT);
                client[w][r] = page.clientNanos();
                if (serverTimes) {
                    long s = timer.since(before);
                    if (s < 0) serverTimes = false;
                    server[w][r] = s;
                }
                bytes[w] = page.bytes();
                checkWindow(window.tenant(), page, window.expected());
            }
        }
        PullTimes[] out = new PullTimes[windows.length];
        for (int w = 0; w < windows.length; w++) {
            out[w] = new PullTimes(windows[w], client[w], serverTimes ? server[w] : new long[0], bytes[w]);
        }
        return out;
    }

    /** The plan and execution time of the reader's feed query for a window, as PostgreSQL reports it. */
    record Explain(String plan, double medianMillis) {
        static Explain run(DataSource db, String tenant, FeedPosition after) throws SQLException {
            double[] ms = new double[EXPLAIN_RUNS];
            String plan = null;
            try (Connection c = db.getConnection();
                 PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + FEED_SQL)) {
                for (int i = 0; i < EXPLAIN_RUNS; i++) {
                    ps.setString(1, tenant);
                    ps.setLong(2, after.tx());
                    ps.setLong(3, after.seq());
                    ps.setInt(4, MAX_LIMIT + 1);
                    List<String> lines = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) lines.add(rs.getString(1));
                    }
                    ms[i] = Double.NaN;
                    List<String> nodes = new ArrayList<>();
                    for (String line : lines) {
                        String t = line.trim();
                        if (t.startsWith("Execution Time:")) {
                            ms[i] = Double.parseDouble(t.replaceAll("[^0-9.]", ""));
                        } else if (nodes.isEmpty() || t.startsWith("->")) {
                            int cost = t.indexOf("  (cost=");
                            nodes.add((cost > 0 ? t.substring(0, cost) : t).replaceFirst("^->\\s*", ""));
                        }
                    }
                    plan = String.join(" → ", nodes);
                }
            }
            Arrays.sort(ms);
            double median = EXPLAIN_RUNS % 2 == 1 ? ms[EXPLAIN_RUNS / 2]
                    : (ms[EXPLAIN_RUNS / 2 - 1] + ms[EXPLAIN_RUNS / 2]) / 2;
            return new Explain(plan, median);
        }
    }

    // ---------------------------------------------------------------------------------------- (b) lag

    record Lag(Phase idle, Phase loaded, Phase load, long loadOps, double catchUpMillis, long probeRecords) {
    }

    /**
     * Projection lag ({@link FeedLag}): {@code lagDevices} devices push into {@value #LAG_LOAD} (like PushBenchmark
     * (a)); meanwhile a probe device of {@value #LAG_PROBE} pushes one create every {@code lagInterval} ms and polls
     * pull with its own cursor every 5 ms until the record shows.
     */
    static Lag lag(InProcessServer server, String base, URI push, DataSource db, Params params) throws Exception {
        List<BenchDevice> load = PushBenchmark.devices(server, LAG_LOAD, params.lagDevices());
        long lastOpId = (long) params.lagPushes() * params.lagBatch();
        FeedLag.Result r = FeedLag.measure(server, base, LAG_PROBE, params.lagIntervalMs(), "(b)", probeFailed -> {
            log("(b) " + params.lagDevices() + " devices x " + params.lagPushes() + " pushes x " + params.lagBatch()
                    + " ops, probe every " + params.lagIntervalMs() + " ms...");
            return PushBenchmark.concurrently("lag-load", load.size(), (i, rec) -> {
                BenchDevice d = load.get(i);
                for (int p = 0; p < params.lagPushes() && !rec.aborted(); p++) {
                    PushBenchmark.send(d, push, PushBenchmark.nextBatch(d, p, params.lagBatch()), rec);
                    if (probeFailed.getAsBoolean()) throw new BenchFailure("the probe failed");
                }
            });
        }, () -> {
            // the load's last op of every device projected: how long the projection needed to catch up
            long deadline = System.nanoTime() + WAIT_DEADLINE.toNanos();
            while (count(db, "SELECT count(*) FROM device_progress WHERE tenant = ? AND last_op_id >= ?", LAG_LOAD,
                    lastOpId) < params.lagDevices()) {
                if (System.nanoTime() > deadline) {
                    throw new BenchFailure("the projection had not caught up with the load "
                            + WAIT_DEADLINE.toSeconds() + " s after its last push");
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        });
        long creates = count(db, "SELECT count(*) FROM records WHERE tenant = ?", LAG_LOAD);
        if (creates != params.lagCreates()) {
            throw new BenchFailure(LAG_LOAD + " holds " + creates + " records, expected " + params.lagCreates());
        }
        long probes = count(db, "SELECT count(*) FROM records WHERE tenant = ?", LAG_PROBE);
        if (probes != r.probes()) {
            throw new BenchFailure(LAG_PROBE + " holds " + probes + " records, expected " + r.probes());
        }
        return new Lag(r.idle(), r.loaded(), r.load(), params.lagOps(), r.catchUpMillis(), probes);
    }


    // ------------------------------------------------------------------------------------- (c) snapshot

    record Snapshot(int records, Phase pages, long wallNanos, long bytes) {
        double seconds() {
            return PushBenchmark.seconds(wallNanos);
        }
    }

    /** Pages through the whole tenant from no cursor; every seeded id exactly once, then an empty incremental pull. */
    static Snapshot snapshot(InProcessServer server, String base, int expected) throws Exception {
        Puller reader = new Puller(server, base, SNAPSHOT, "reader", "nurse-reader");
        PushBenchmark.Recorder rec = new PushBenchmark.Recorder(new AtomicReference<>());
        Set<String> ids = new HashSet<>(expected * 2);
        int received = 0;
        long bytes = 0;
        String cursor = null;
        long start = System.nanoTime();
        while (true) {
            Pulled page = reader.pull(cursor, MAX_LIMIT);
            rec.add(page.receivedAt() - page.clientNanos(), page.receivedAt());
            bytes += page.bytes();
            for (JsonNode c : page.changes()) {
                received++;
                String id = c.path("id").asText();
                if (!ids.add(id)) throw new BenchFailure("snapshot: " + id + " arrived twice");
                if (!id.startsWith("seed-") || c.path("deleted").asBoolean() || !c.path("data").isObject()) {
                    throw new BenchFailure("snapshot: unexpected change " + excerpt(c.toString()));
                }
            }
            cursor = page.cursor();
            if (!page.hasMore()) break;
            if (page.changes().isEmpty()) throw new BenchFailure("snapshot: an empty page with hasMore");
        }
        long wall = System.nanoTime() - start;
        if (received != expected || ids.size() != expected) {
            throw new BenchFailure("snapshot: received " + received + " changes of " + ids.size()
                    + " distinct ids, expected " + expected);
        }
        Pulled after = reader.pull(cursor, MAX_LIMIT);
        if (!after.changes().isEmpty() || after.hasMore()) {
            throw new BenchFailure("snapshot: the pull after the snapshot returned " + after.changes().size()
                    + " changes");
        }
        return new Snapshot(received, phaseOf(rec), wall, bytes);
    }

    // -------------------------------------------------------------------------------------------- HTTP

    /**
     * An open {@code GET /sync/stream}: the cursors of its {@code poke} events, in order. {@link #open} returns once
     * the server has registered the subscription (it sends the {@code :connected} comment after that).
     */
    static final class Pokes implements AutoCloseable {
        private final BlockingQueue<String> cursors = new LinkedBlockingQueue<>();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final InputStream body;
        private final Thread reader;

        private Pokes(InputStream body, CountDownLatch connected) {
            this.body = body;
            this.reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.startsWith(":connected")) {
                            connected.countDown();
                        } else if (line.startsWith("data:")) {
                            String cursor = JSON.readTree(line.substring(5)).path("cursor").asText(null);
                            if (cursor == null) throw new BenchFailure("stream: a poke without a cursor: " + line);
                            cursors.add(cursor);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-stream");
            reader.setDaemon(true);
        }

        static Pokes open(Puller who, URI uri) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + who.token())
                    .header("Accept", "text/event-stream")
                    .GET()
                    .build();
            HttpResponse<InputStream> response = who.http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                    .get(WAIT_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            if (response.statusCode() != 200) {
                String text;
                try (InputStream in = response.body()) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                throw new BenchFailure("stream in " + who.tenant + ": HTTP " + response.statusCode() + ": "
                        + excerpt(text));
            }
            CountDownLatch connected = new CountDownLatch(1);
            Pokes pokes = new Pokes(response.body(), connected);
            pokes.reader.start();
            if (!connected.await(WAIT_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                pokes.close();
                throw new BenchFailure("stream in " + who.tenant + ": no ':connected' comment");
            }
            return pokes;
        }

        /** The cursor of the next poke. */
        String next(Duration timeout) throws InterruptedException {
            String cursor = cursors.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (cursor == null) {
                Throwable failed = failure.get();
                throw new BenchFailure("stream: no poke within " + timeout.toSeconds() + " s"
                        + (failed == null ? "" : " (" + failed + ")"), failed);
            }
            return cursor;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            body.close();
            reader.join(2000);
        }
    }

    /**
     * The server's own time for pulls: the {@code http.server.requests} timer of {@code /api/v1/sync/pull}. Read
     * around one request at a time (nothing else pulls meanwhile), the difference is that request's server time.
     */
    static final class ServerTimer {
        private final MeterRegistry registry;

        record Reading(long count, double nanos) {
        }

        ServerTimer(InProcessServer server) {
            MeterRegistry found;
            try {
                found = server.bean(MeterRegistry.class);
            } catch (RuntimeException e) {
                found = null;
            }
            this.registry = found;
        }

        boolean available() {
            return registry != null;
        }

        Reading read() {
            if (registry == null) return new Reading(0, 0);
            long count = 0;
            double nanos = 0;
            for (Timer t : registry.find("http.server.requests").tag("uri", "/api/v1/sync/pull").timers()) {
                count += t.count();
                nanos += t.totalTime(TimeUnit.NANOSECONDS);
            }
            return new Reading(count, nanos);
        }

        /** The server time of the one request since {@code before}, or -1 if the timer does not show exactly one. */
        long since(Reading before) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (true) {
                Reading now = read();
                if (now.count() == before.count() + 1) return Math.round(now.nanos() - before.nanos());
                if (now.count() > before.count() + 1 || System.nanoTime() > deadline) return -1;
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
        }
    }

    // -------------------------------------------------------------------------------------------- helpers

    static void awaitProgress(DataSource db, String tenant, String deviceId, long opId) throws SQLException {
        long deadline = System.nanoTime() + WAIT_DEADLINE.toNanos();
        while (count(db, "SELECT count(*) FROM device_progress WHERE tenant = ? AND device_id = ? "
                + "AND last_op_id >= ?", tenant, deviceId, opId) == 0) {
            if (System.nanoTime() > deadline) {
                throw new BenchFailure(tenant + ": op " + opId + " of " + deviceId + " not projected after "
                        + WAIT_DEADLINE.toSeconds() + " s");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** The tenant's newest feed row (a window's reads start after it). */
    static FeedPosition head(DataSource db, String tenant) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT change_tx, change_seq FROM records WHERE tenant = ? "
                     + "ORDER BY change_tx DESC, change_seq DESC LIMIT 1")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new FeedPosition(rs.getLong(1), rs.getLong(2)) : FeedPosition.START;
            }
        }
    }

    static long count(DataSource db, String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Phase of one recorder's latencies (wall time unused). */
    static Phase phaseOf(PushBenchmark.Recorder rec) {
        return new Phase(0, rec.sorted());
    }

    static double median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    // --------------------------------------------------------------------------------------------- report

    private static String report(Params params, double startSeconds, double seedSeconds, ServerLog serverLog,
                                 PullTimes[] times, Explain bigPlan, Explain smallPlan, Lag lag, Snapshot snapshot) {
        PullTimes big = times[0];
        PullTimes small = times[1];
        double ratio = big.clientMedianMillis() / small.clientMedianMillis();
        double serverRatio = big.serverMedianMillis() / small.serverMedianMillis();
        double p99 = lag.loaded().percentileMillis(99);
        Runtime rt = Runtime.getRuntime();
        StringBuilder md = new StringBuilder();
        md.append("## Outpost pull benchmark\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        row(md, "available processors", Integer.toString(rt.availableProcessors()));
        row(md, "JVM", System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
                + System.getProperty("java.vm.vendor") + "), max heap " + rt.maxMemory() / (1024 * 1024) + " MiB");
        row(md, "OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        row(md, "parameters", "bigTenant=" + params.bigTenant() + ", smallTenant=" + params.smallTenant()
                + ", pullReps=" + params.reps() + ", lagDevices=" + params.lagDevices() + ", lagPushes="
                + params.lagPushes() + ", lagBatch=" + params.lagBatch() + ", lagInterval=" + params.lagIntervalMs()
                + " ms, snapshot=" + params.snapshot());
        row(md, "server", "in-process, embedded PostgreSQL (throw-away), started in " + fmt("%.1f", startSeconds)
                + " s; client threads in the same JVM; HTTP/1.1, no compression asked for");
        row(md, "seeding", (Params.seeded(params.bigTenant()) + Params.seeded(params.smallTenant())
                + params.snapshot()) + " records written straight into `records` by SQL (generate_series, "
                + "`change_seq` from `nextval('change_seq')`, ~" + BenchDevice.dispenseBytes() + " B of JSON each), "
                + "then VACUUM ANALYZE, in " + fmt("%.1f", seedSeconds) + " s: the read path is measured, not the "
                + "push path. The 1,000 pulled changes of each tenant in (a) went through HTTP push and the projection");
        row(md, "cursor in (a)", "server-signed: the cursor of a `poke` on `GET /sync/stream` after the seeding, "
                + "advanced to the head by one incremental pull; none forged");
        row(md, "server log", serverLog.warnings() + " WARN and " + serverLog.errors() + " ERROR lines in `"
                + serverLog.file().getFileName() + "`");
        md.append('\n');

        md.append("### (a) Incremental pull of the same 1,000 changes (one request, limit 1000)\n\n");
        md.append("| tenant | records held | response | client median (ms) | client min / max (ms) "
                + "| server median (ms) | SQL execution, median (ms) | feed query plan |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        windowRow(md, big, bigPlan);
        windowRow(md, small, smallPlan);
        md.append('\n');
        md.append("| ratio | value | target | |\n|---|---:|---|---|\n");
        md.append("| (a) large / small, client median | ").append(fmt("%.2f", ratio)).append(" × | ≤ 2 × | ")
                .append(ratio <= 2 ? "met" : "**not met**").append(" |\n");
        if (!Double.isNaN(serverRatio)) {
            md.append("| (a) large / small, server median | ").append(fmt("%.2f", serverRatio))
                    .append(" × | | |\n");
        }
        md.append('\n');
        md.append("Medians of ").append(params.reps()).append(" repetitions per tenant (interleaved, after ")
                .append(WARMUP_PULLS).append(" warm-up pulls each), every one from the same cursor and checked to "
                        + "return exactly the 1,000 expected records at their versions (500 updated, 500 created by a "
                        + "feeder device through HTTP push). Client time: request sent to whole body received (not "
                        + "parsed). Server time: the server's `http.server.requests` timer for the request. SQL: "
                        + "`EXPLAIN (ANALYZE, BUFFERS)` of ChangeFeedReader's page query for the same cursor, ")
                .append(EXPLAIN_RUNS).append(" runs. Projection: the 1,000 changes were visible ")
                .append(fmt("%.0f", big.window().projectedMillis())).append(" / ")
                .append(fmt("%.0f", small.window().projectedMillis())).append(" ms after their last push.\n\n");

        md.append("### (b) Projection lag under push load\n\n");
        md.append("| | samples | p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|\n");
        lagRow(md, "idle (before the load)", lag.idle());
        lagRow(md, "**under load**", lag.loaded());
        md.append('\n');
        md.append("| ratio | value | target | |\n|---|---:|---|---|\n");
        md.append("| (b) lag p99 under load | ").append(fmt("%.1f", p99)).append(" ms | ≤ 500 ms | ")
                .append(p99 <= 500 ? "met" : "**not met**").append(" |\n");
        md.append('\n');
        md.append("Load: ").append(params.lagDevices()).append(" devices × ").append(params.lagPushes())
                .append(" pushes × ").append(params.lagBatch()).append(" ops (creates, then half updates) in tenant `")
                .append(LAG_LOAD).append("`: ").append(lag.loadOps()).append(" ops in ")
                .append(fmt("%.2f", lag.load().seconds())).append(" s = ")
                .append(fmt("%.0f", lag.loadOps() / lag.load().seconds())).append(" ops/s, push p50 ")
                .append(fmt("%.1f", lag.load().percentileMillis(50))).append(" ms, p99 ")
                .append(fmt("%.1f", lag.load().percentileMillis(99))).append(" ms; the projection had caught up ")
                .append(fmt("%.0f", lag.catchUpMillis())).append(" ms after the last push was answered. Probe: ")
                .append("device `probe` of tenant `").append(LAG_PROBE).append("` pushes one create every ")
                .append(params.lagIntervalMs()).append(" ms (or right after the previous sample when that took "
                        + "longer) and pulls with its own cursor every 5 ms until the record shows; lag = the push's "
                        + "200 response to the response of that pull (so it includes up to one poll interval and one "
                        + "pull). Only samples whose push was sent while the load ran count.\n\n");

        md.append("### (c) Full snapshot, limit 1000 from no cursor\n\n");
        md.append("| records | pages | response bytes | wall time (s) | throughput | page p50 (ms) | page p99 (ms) |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        md.append("| ").append(snapshot.records()).append(" | ").append(snapshot.pages().count()).append(" | ")
                .append(fmt("%.1f", snapshot.bytes() / 1048576.0)).append(" MiB | ")
                .append(fmt("%.2f", snapshot.seconds())).append(" | **")
                .append(fmt("%.0f", snapshot.records() / snapshot.seconds())).append(" records/s** | ")
                .append(fmt("%.1f", snapshot.pages().percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", snapshot.pages().percentileMillis(99))).append(" |\n");
        md.append('\n');
        md.append("Wall time includes the client's JSON parsing and checks; exactly ").append(snapshot.records())
                .append(" distinct ids arrived, once each, and an incremental pull from the last cursor returned "
                        + "nothing. Every request answered 200.\n");
        return md.toString();
    }

    private static void windowRow(StringBuilder md, PullTimes t, Explain plan) {
        long[] c = t.client().clone();
        Arrays.sort(c);
        md.append("| `").append(t.window().tenant()).append("` | ").append(t.window().holding()).append(" | ")
                .append(fmt("%.0f", t.bytes() / 1024.0)).append(" KiB | **")
                .append(fmt("%.1f", t.clientMedianMillis())).append("** | ")
                .append(fmt("%.1f", c[0] / 1e6)).append(" / ").append(fmt("%.1f", c[c.length - 1] / 1e6))
                .append(" | ").append(Double.isNaN(t.serverMedianMillis()) ? "n/a"
                        : fmt("%.1f", t.serverMedianMillis()))
                .append(" | ").append(fmt("%.2f", plan.medianMillis())).append(" | ").append(plan.plan())
                .append(" |\n");
    }

    private static void lagRow(StringBuilder md, String name, Phase p) {
        md.append("| ").append(name).append(" | ").append(p.count()).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(99))).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(100))).append(" |\n");
    }
}
