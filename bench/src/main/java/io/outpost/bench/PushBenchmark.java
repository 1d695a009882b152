package io.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Push throughput of the Outpost server, measured in one run against one in-process server and its (throw-away,
 * embedded) PostgreSQL:
 * <ol type="a">
 *   <li>batched pushes: D devices on their own threads and HttpClients, each sending P pushes of B ops (the first
 *   all creates, later ones half updates of the device's earlier records with the right baseVersion, half
 *   creates), after an unmeasured warm-up on another tenant;</li>
 *   <li>the raw ceiling: the same number of rows, of the size of an event row, inserted into a plain table of the
 *   same database with JDBC batches of B, one commit per batch, from D threads;</li>
 *   <li>one op per request: the same D devices each sending R single-op pushes (creates and updates alternating).</li>
 * </ol>
 * Every push must answer 200 with every op {@code applied} at the expected version, else the run fails (exit 1).
 * Parameters: {@code -Dbench.devices=32 -Dbench.pushes=10 -Dbench.batch=200 -Dbench.singles=200}; the Markdown
 * report goes to stdout and to {@code -Dbench.report} (default {@code target/push-benchmark.md}).
 */
public final class PushBenchmark {

    static final String TENANT = "bench";
    static final String WARMUP_TENANT = "bench-warmup";
    static final int WARMUP_PUSHES = 2;
    static final int WARMUP_SINGLES = 10;

    /**
     * The raw rows' payload is the record data plus 250 bytes. That is roughly what an event row stores beyond the
     * record itself: the event's JSON envelope (record key, version, createdBy, change stamp) plus the metadata
     * (tenant, user, device, opId, correlation and trace ids) plus the row's own identifiers (event id UUID,
     * aggregate id, payload type, timestamp). The run also prints the mean payload + metadata size it actually
     * measured in domain_event_entry, so the choice can be checked.
     */
    static final int EVENT_ENVELOPE_BYTES = 250;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private PushBenchmark() {
    }

    record Params(int devices, int pushes, int batch, int singles, Path report) {

        static Params fromSystemProperties() {
            return new Params(positive("bench.devices", 32), positive("bench.pushes", 10),
                    positive("bench.batch", 200), positive("bench.singles", 200),
                    Path.of(System.getProperty("bench.report", "target/push-benchmark.md")));
        }

        private static int positive(String name, int fallback) {
            String raw = System.getProperty(name);
            int value;
            try {
                value = raw == null || raw.isBlank() ? fallback : Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + name + " must be an integer, not '" + raw + "'");
            }
            if (value < 1) throw new IllegalArgumentException("-D" + name + " must be at least 1, not " + value);
            return value;
        }

        /** The server's log, beside the report. */
        Path serverLog() {
            Path file = report.toAbsolutePath();
            return file.resolveSibling(file.getFileName().toString().replaceFirst("\\.md$", "") + "-server.log");
        }

        long batchedOps() {
            return (long) devices * pushes * batch;
        }
    }

    /** A failed push or a failed check; fails the run. */
    static final class BenchFailure extends RuntimeException {
        BenchFailure(String message) {
            super(message);
        }

        BenchFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("push", () -> run(Params.fromSystemProperties()));
    }

    static int run(Params params) throws Exception {
        Path serverLog = params.serverLog();
        Files.deleteIfExists(serverLog);
        Files.deleteIfExists(params.report()); // no stale report survives a failed run
        log("Starting the Outpost server in-process (embedded PostgreSQL, throw-away); its log: " + serverLog);
        long startAt = System.nanoTime();
        try (InProcessServer server = InProcessServer.start(serverLog)) {
            double startSeconds = seconds(System.nanoTime() - startAt);
            URI push = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/sync/push");
            log(String.format(Locale.ROOT, "Server up on port %d in %.1f s. %s", server.port(), startSeconds,
                    params));

            // warm-up: other tenant, other devices; not measured
            List<BenchDevice> warm = devices(server, WARMUP_TENANT, params.devices());
            Phase warmup = concurrently("warmup", warm.size(), (i, rec) -> {
                BenchDevice d = warm.get(i);
                for (int p = 0; p < WARMUP_PUSHES && !rec.aborted(); p++) send(d, push, nextBatch(d, p, params), rec);
                for (int s = 0; s < Math.min(WARMUP_SINGLES, params.singles()) && !rec.aborted(); s++) {
                    send(d, push, d.single(s), rec);
                }
            });
            log(String.format(Locale.ROOT, "Warm-up: %d pushes in %.1f s", warmup.count(), warmup.seconds()));

            // (a) batched pushes
            List<BenchDevice> devices = devices(server, TENANT, params.devices());
            log("(a) " + params.devices() + " devices x " + params.pushes() + " pushes x " + params.batch()
                    + " ops...");
            Phase batched = concurrently("batched", devices.size(), (i, rec) -> {
                BenchDevice d = devices.get(i);
                for (int p = 0; p < params.pushes() && !rec.aborted(); p++) send(d, push, nextBatch(d, p, params), rec);
            });
            log(String.format(Locale.ROOT, "(a) %d ops in %.2f s", params.batchedOps(), batched.seconds()));

            DataSource db = server.dataSource();
            EventRowSize eventRows = EventRowSize.measure(db);

            // (b) raw ceiling: same number of rows, event-sized payloads, JDBC batches, same database
            int payloadBytes = BenchDevice.dispenseBytes() + EVENT_ENVELOPE_BYTES;
            byte[] payload = rawPayload(payloadBytes);
            createRawTable(db);
            rawInserts(db, WARMUP_TENANT, params.devices(), params.batch(), params.batch(), payload);
            log("(b) " + params.batchedOps() + " raw rows of " + payloadBytes + " bytes...");
            Phase raw = rawInserts(db, TENANT, params.devices(), params.pushes() * params.batch(), params.batch(),
                    payload);
            log(String.format(Locale.ROOT, "(b) %d rows in %.2f s", params.batchedOps(), raw.seconds()));

            // (c) one op per request, the same devices
            log("(c) " + params.devices() + " devices x " + params.singles() + " single-op pushes...");
            Phase singles = concurrently("singles", devices.size(), (i, rec) -> {
                BenchDevice d = devices.get(i);
                for (int s = 0; s < params.singles() && !rec.aborted(); s++) send(d, push, d.single(s), rec);
            });
            long singleOps = (long) params.devices() * params.singles();
            log(String.format(Locale.ROOT, "(c) %d ops in %.2f s", singleOps, singles.seconds()));

            verifyStored(db, params);

            ServerLog logged = ServerLog.read(serverLog);
            if (logged.errors() > 0) {
                log("WARNING: the server logged " + logged.errors() + " ERROR lines during the run; see " + serverLog);
            }
            String report = report(params, startSeconds, payloadBytes, eventRows, logged, batched, raw, singles);
            System.out.println();
            System.out.println(report);
            Path file = params.report().toAbsolutePath();
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            Files.writeString(file, report, StandardCharsets.UTF_8);
            log("Report written to " + file);
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ pushes

    static List<BenchDevice> devices(InProcessServer server, String tenant, int count) {
        List<BenchDevice> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) list.add(new BenchDevice(server, tenant, i));
        return list;
    }

    /** The device's {@code p}-th batched push: the first is all creates, later ones half updates, half creates. */
    static BenchDevice.Push nextBatch(BenchDevice d, int p, Params params) {
        return nextBatch(d, p, params.batch());
    }

    /** The device's {@code p}-th push of {@code batch} ops: the first all creates, later ones half updates. */
    static BenchDevice.Push nextBatch(BenchDevice d, int p, int batch) {
        if (p == 0) return d.push(batch, 0);
        int updates = batch / 2;
        return d.push(batch - updates, updates);
    }

    static void send(BenchDevice d, URI uri, BenchDevice.Push push, Recorder rec) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + d.token)
                .POST(HttpRequest.BodyPublishers.ofString(push.body(), StandardCharsets.UTF_8))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = d.http.send(request, HttpResponse.BodyHandlers.ofString());
        rec.add(start, System.nanoTime());
        check(d, push, response);
    }

    /** 200, one result per op in order, each {@code applied} at the version the device expects. */
    static void check(BenchDevice d, BenchDevice.Push push, HttpResponse<String> response) {
        String where = "tenant " + d.tenant + ", device " + d.deviceId + ", push of opIds " + push.opIds()[0] + ".."
                + push.opIds()[push.size() - 1];
        if (response.statusCode() != 200) {
            throw new BenchFailure(where + ": HTTP " + response.statusCode() + ": " + excerpt(response.body()));
        }
        JsonNode root;
        try {
            root = JSON.readTree(response.body());
        } catch (Exception e) {
            throw new BenchFailure(where + ": the answer is not JSON: " + excerpt(response.body()), e);
        }
        JsonNode results = root.path("results");
        if (!results.isArray() || results.size() != push.size()) {
            throw new BenchFailure(where + ": expected " + push.size() + " results, got "
                    + (results.isArray() ? results.size() : "none") + ": " + excerpt(response.body()));
        }
        for (int i = 0; i < push.size(); i++) {
            JsonNode r = results.get(i);
            if (r.path("opId").asLong() != push.opIds()[i] || !"applied".equals(r.path("status").asText())
                    || !push.ids()[i].equals(r.path("id").asText())
                    || r.path("version").asLong() != push.versions()[i]) {
                throw new BenchFailure(where + ": op " + push.opIds()[i] + " on " + push.ids()[i]
                        + " should be applied at version " + push.versions()[i] + " but the result is " + r);
            }
        }
        long last = root.path("lastProcessedOpId").asLong();
        if (last != push.opIds()[push.size() - 1]) {
            throw new BenchFailure(where + ": lastProcessedOpId is " + last);
        }
    }

    static String excerpt(String body) {
        if (body == null) return "(no body)";
        return body.length() <= 600 ? body : body.substring(0, 600) + "...";
    }

    // --------------------------------------------------------------------------------------------- raw JDBC

    private static void createRawTable(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench_raw (id BIGSERIAL PRIMARY KEY, tenant VARCHAR(64), "
                    + "record_id VARCHAR(128), payload BYTEA NOT NULL)");
        }
    }

    /**
     * {@code threads} threads each insert {@code rowsPerThread} rows in JDBC batches of {@code batch}, one
     * transaction per batch. Each batch borrows a connection from the server's own pool, as the server does for
     * each push: holding one connection per thread for the whole phase would not work with more threads than the
     * pool has connections (spring.datasource.hikari.maximum-pool-size, 20 by default, below the 32 devices).
     */
    private static Phase rawInserts(DataSource db, String tenant, int threads, int rowsPerThread, int batch,
                                    byte[] payload) throws InterruptedException {
        String sql = "INSERT INTO bench_raw (tenant, record_id, payload) VALUES (?, ?, ?)";
        return concurrently("raw-" + tenant, threads, (i, rec) -> {
            String prefix = "dev-" + i + "-";
            for (int done = 0; done < rowsPerThread && !rec.aborted(); done += batch) {
                int n = Math.min(batch, rowsPerThread - done);
                long start = System.nanoTime();
                try (Connection c = db.getConnection()) {
                    c.setAutoCommit(false);
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        for (int k = 0; k < n; k++) {
                            ps.setString(1, tenant);
                            ps.setString(2, prefix + (done + k + 1));
                            ps.setBytes(3, payload);
                            ps.addBatch();
                        }
                        int[] counts = ps.executeBatch();
                        for (int count : counts) {
                            if (count != 1 && count != Statement.SUCCESS_NO_INFO) {
                                throw new BenchFailure("raw insert: a batch row reported " + count + " rows");
                            }
                        }
                    }
                    c.commit();
                }
                rec.add(start, System.nanoTime());
            }
        });
    }

    /** Event-row-like bytes: a dispense record wrapped in JSON filler, exactly {@code size} bytes. */
    private static byte[] rawPayload(int size) {
        StringBuilder s = new StringBuilder(size + 64).append("{\"key\":{\"tenant\":\"bench\"},\"data\":")
                .append(BenchDevice.dispense("dev-0", 0)).append(",\"envelope\":\"");
        while (s.length() < size) s.append("0123456789abcdef");
        byte[] bytes = Arrays.copyOf(s.toString().getBytes(StandardCharsets.UTF_8), size);
        return bytes;
    }

    // -------------------------------------------------------------------------------------------- checks

    /**
     * Mean size of the event rows the server wrote, for comparison with the raw payload, and the span of their
     * global_index (equal to the count when the index has no gaps).
     */
    record EventRowSize(long events, double payloadBytes, double metaDataBytes, long indexSpan) {
        static EventRowSize measure(DataSource db) throws SQLException {
            try (Connection c = db.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), coalesce(avg(octet_length(payload)), 0), "
                         + "coalesce(avg(octet_length(meta_data)), 0), "
                         + "coalesce(max(global_index) - min(global_index) + 1, 0) FROM domain_event_entry")) {
                rs.next();
                return new EventRowSize(rs.getLong(1), rs.getDouble(2), rs.getDouble(3), rs.getLong(4));
            }
        }
    }

    /** The database holds one op result per measured op and one raw row per batched op. */
    private static void verifyStored(DataSource db, Params params) throws SQLException {
        long expectedResults = params.batchedOps() + (long) params.devices() * params.singles();
        long results = count(db, "SELECT count(*) FROM op_results WHERE tenant = '" + TENANT + "'");
        if (results != expectedResults) {
            throw new BenchFailure("op_results holds " + results + " results for tenant " + TENANT + ", expected "
                    + expectedResults);
        }
        long rows = count(db, "SELECT count(*) FROM bench_raw WHERE tenant = '" + TENANT + "'");
        if (rows != params.batchedOps()) {
            throw new BenchFailure("bench_raw holds " + rows + " rows, expected " + params.batchedOps());
        }
    }

    private static long count(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------------------------------- concurrency

    /** Per-thread latencies of one phase; {@link #aborted()} turns true as soon as any thread failed. */
    static final class Recorder {
        private final AtomicReference<Throwable> failure;
        private long[] latencies = new long[64];
        private int count;
        private long lastEnd;

        Recorder(AtomicReference<Throwable> failure) {
            this.failure = failure;
        }

        void add(long start, long end) {
            if (count == latencies.length) latencies = Arrays.copyOf(latencies, count * 2);
            latencies[count++] = end - start;
            lastEnd = Math.max(lastEnd, end);
        }

        boolean aborted() {
            return failure.get() != null;
        }

        /** This recorder's latencies, sorted. */
        long[] sorted() {
            long[] all = Arrays.copyOf(latencies, count);
            Arrays.sort(all);
            return all;
        }
    }

    interface Worker {
        void run(int index, Recorder rec) throws Exception;
    }

    /** A finished phase: wall time from the common start to the last response, and every request's latency. */
    record Phase(long wallNanos, long[] sortedLatencies) {
        int count() {
            return sortedLatencies.length;
        }

        double seconds() {
            return PushBenchmark.seconds(wallNanos);
        }

        /** Nearest-rank percentile, in milliseconds. */
        double percentileMillis(double p) {
            if (sortedLatencies.length == 0) return Double.NaN;
            int rank = (int) Math.ceil(p / 100.0 * sortedLatencies.length);
            return sortedLatencies[Math.max(0, rank - 1)] / 1e6;
        }
    }

    /** Runs {@code worker} on {@code threads} threads released together; fails if any of them failed. */
    static Phase concurrently(String name, int threads, Worker worker) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Recorder[] recorders = new Recorder[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int index = t;
            recorders[t] = new Recorder(failure);
            workers[t] = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    worker.run(index, recorders[index]);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-" + name + "-" + t);
            workers[t].start();
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        for (Thread w : workers) w.join();
        Throwable failed = failure.get();
        if (failed instanceof BenchFailure f) throw new BenchFailure(name + ": " + f.getMessage(), f.getCause());
        if (failed != null) throw new BenchFailure(name + ": " + failed, failed);
        long end = start;
        int total = 0;
        for (Recorder r : recorders) {
            end = Math.max(end, r.lastEnd);
            total += r.count;
        }
        long[] all = new long[total];
        int at = 0;
        for (Recorder r : recorders) {
            System.arraycopy(r.latencies, 0, all, at, r.count);
            at += r.count;
        }
        Arrays.sort(all);
        return new Phase(end - start, all);
    }

    // --------------------------------------------------------------------------------------------- report

    /** How many WARN and ERROR lines the server logged during the run. */
    record ServerLog(Path file, long warnings, long errors) {
        static ServerLog read(Path file) throws java.io.IOException {
            long warnings = 0;
            long errors = 0;
            if (Files.exists(file)) {
                try (var lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.contains(" WARN ")) {
                            warnings++;
                        } else if (line.contains(" ERROR ")) {
                            errors++;
                        }
                    }
                }
            }
            return new ServerLog(file, warnings, errors);
        }
    }

    private static String report(Params params, double startSeconds, int payloadBytes, EventRowSize events,
                                 ServerLog serverLog, Phase batched, Phase raw, Phase singles) {
        long batchedOps = params.batchedOps();
        long singleOps = (long) params.devices() * params.singles();
        double a = batchedOps / batched.seconds();
        double b = batchedOps / raw.seconds();
        double c = singleOps / singles.seconds();
        double ab = 100.0 * a / b;
        double ac = a / c;
        Runtime rt = Runtime.getRuntime();
        StringBuilder md = new StringBuilder();
        md.append("## Outpost push benchmark\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        row(md, "available processors", Integer.toString(rt.availableProcessors()));
        row(md, "JVM", System.getProperty("java.vm.name") + " " + Runtime.version() + " ("
                + System.getProperty("java.vm.vendor") + "), max heap " + rt.maxMemory() / (1024 * 1024) + " MiB");
        row(md, "OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        long updates = (long) params.devices() * (params.pushes() - 1) * (params.batch() / 2);
        long singleUpdates = (long) params.devices() * (params.singles() / 2);
        row(md, "parameters", "devices D=" + params.devices() + ", pushes P=" + params.pushes() + ", batch B="
                + params.batch() + ", singles R=" + params.singles() + "; ops in (a): " + (batchedOps - updates)
                + " creates + " + updates + " updates; in (c): " + (singleOps - singleUpdates) + " creates + "
                + singleUpdates + " updates");
        row(md, "server", "in-process, embedded PostgreSQL (throw-away), started in "
                + fmt("%.1f", startSeconds) + " s; client threads in the same JVM");
        row(md, "record data", BenchDevice.dispenseBytes() + " bytes of JSON (a medication dispense), collection `"
                + BenchDevice.COLLECTION + "` (undeclared, default rules)");
        row(md, "warm-up", "tenant " + WARMUP_TENANT + ": D devices x (" + WARMUP_PUSHES + " pushes of B + "
                + Math.min(WARMUP_SINGLES, params.singles()) + " single-op pushes), not measured");
        row(md, "raw row payload", payloadBytes + " bytes (record data + " + EVENT_ENVELOPE_BYTES
                + " bytes envelope); measured event rows after (a): " + events.events() + " rows (global_index span "
                + events.indexSpan() + "), mean payload " + fmt("%.0f", events.payloadBytes()) + " B + metadata "
                + fmt("%.0f", events.metaDataBytes()) + " B");
        row(md, "server log", serverLog.warnings() + " WARN and " + serverLog.errors() + " ERROR lines in `"
                + serverLog.file().getFileName() + "`");
        md.append('\n');
        md.append("| phase | requests / transactions | ops (rows) | wall time (s) | throughput | p50 (ms) "
                + "| p99 (ms) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        md.append("| (a) batched push, ").append(params.batch()).append(" ops/push (creates + updates) | ")
                .append(batched.count()).append(" | ").append(batchedOps).append(" | ")
                .append(fmt("%.2f", batched.seconds())).append(" | **").append(fmt("%.0f", a))
                .append(" ops/s** | ").append(fmt("%.1f", batched.percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", batched.percentileMillis(99))).append(" |\n");
        md.append("| (b) raw JDBC batch insert, ").append(params.batch()).append(" rows/commit | ")
                .append(raw.count()).append(" | ").append(batchedOps).append(" | ")
                .append(fmt("%.2f", raw.seconds())).append(" | ").append(fmt("%.0f", b)).append(" rows/s | ")
                .append(fmt("%.1f", raw.percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", raw.percentileMillis(99))).append(" |\n");
        md.append("| (c) one op per push | ").append(singles.count()).append(" | ").append(singleOps).append(" | ")
                .append(fmt("%.2f", singles.seconds())).append(" | ").append(fmt("%.0f", c)).append(" ops/s | ")
                .append(fmt("%.1f", singles.percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", singles.percentileMillis(99))).append(" |\n");
        md.append('\n');
        md.append("| ratio | value | target | |\n|---|---:|---|---|\n");
        md.append("| (a) / (b), batched push vs raw insert | ").append(fmt("%.1f", ab)).append(" % | ≥ 25 % | ")
                .append(ab >= 25 ? "met" : "**not met**").append(" |\n");
        md.append("| (a) / (c), batched vs one op per request | ").append(fmt("%.1f", ac)).append(" × | ≥ 10 × | ")
                .append(ac >= 10 ? "met" : "**not met**").append(" |\n");
        md.append('\n');
        md.append("p50/p99: latency of one push request (a, c) or of one batch insert + commit (b). Every push "
                + "answered 200 with every op `applied` at the expected version; op_results and bench_raw row "
                + "counts were checked after the run.\n");
        return md.toString();
    }

    static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    static String fmt(String format, double value) {
        return String.format(Locale.ROOT, format, value);
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static void log(String line) {
        System.out.println("[bench] " + line);
        System.out.flush();
    }
}
