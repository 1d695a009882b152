package io.outpost.bench;

import static io.outpost.bench.PushBenchmark.fmt;
import static io.outpost.bench.PushBenchmark.log;
import static io.outpost.bench.PushBenchmark.mib;

import io.outpost.bench.PushBenchmark.BenchFailure;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * A fleet of devices syncing every second, for as long as a soak (issue 17, targets 1 and 4): the server is its own
 * process started as the Dockerfile starts it ({@link ServerProcess}, the same flags), on a PostgreSQL outside it
 * ({@link BenchPostgres}); this JVM is the fleet. D devices in T tenants; each device, once a second on a fixed
 * schedule (devices spread evenly over the second): a push of N ops (half creates, half updates of its own records,
 * every result checked as in {@link PushBenchmark}), then pulls until {@code hasMore} is false. A cycle's time runs
 * from its <em>scheduled</em> start to its last answer, so a server that falls behind is charged for the wait
 * (no coordinated omission); a device that falls behind starts its next cycle at once.
 *
 * <p>Every second the server's resident memory ({@code VmRSS}) is sampled, every {@code sampleSeconds} also its heap
 * after the last GC ({@code jvm.gc.live.data.size}) and heap in use; the report gives the cycle percentiles of the
 * warm-up and of the measured window, the memory curve as a table and a PNG chart ({@link Chart}), and the size of
 * the tables that grow with traffic (op results per device, devices, the change feed) at the end, to show that
 * nothing grows beyond what the contract keeps.
 *
 * <p>Parameters ({@code -D}): {@code bench.fleetDevices} (100), {@code bench.fleetTenants} (10), {@code
 * bench.fleetOps} (10), {@code bench.fleetWarmup} seconds (30), {@code bench.fleetSeconds} measured (60; 900 for the
 * soak), {@code bench.fleetSample} seconds between heap samples (5), and the server's {@code bench.serverJar},
 * {@code bench.serverJvmArgs}, {@code bench.serverArgs}, {@code bench.pgConfig} as for the push benchmark.
 */
public final class FleetBenchmark {

    static final double CYCLE_TARGET_MS = 1000;
    static final long RSS_TARGET_BYTES = 512L * 1024 * 1024;
    static final int PULL_LIMIT = 500;

    private FleetBenchmark() {
    }

    record Params(int devices, int tenants, int ops, int warmupSeconds, int seconds, int sampleSeconds,
                  PushBenchmark.Params server) {

        static Params fromSystemProperties() {
            Params p = new Params(positive("bench.fleetDevices", 100), positive("bench.fleetTenants", 10),
                    positive("bench.fleetOps", 10), nonNegative("bench.fleetWarmup", 30),
                    positive("bench.fleetSeconds", 60), positive("bench.fleetSample", 5),
                    PushBenchmark.Params.fromSystemProperties());
            if (p.ops < 2) throw new IllegalArgumentException("-Dbench.fleetOps must be at least 2");
            if (p.tenants > p.devices) throw new IllegalArgumentException("more tenants than devices");
            return p;
        }

        private static int positive(String name, int fallback) {
            int v = nonNegative(name, fallback);
            if (v < 1) throw new IllegalArgumentException("-D" + name + " must be at least 1");
            return v;
        }

        private static int nonNegative(String name, int fallback) {
            String raw = System.getProperty(name);
            try {
                int v = raw == null || raw.isBlank() ? fallback : Integer.parseInt(raw.trim().replace("_", ""));
                if (v < 0) throw new IllegalArgumentException("-D" + name + " must not be negative");
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + name + " must be an integer, not '" + raw + "'");
            }
        }

        Path report() {
            return server.report();
        }

        Path beside(String suffix) {
            return server.beside(suffix);
        }
    }

    /** One cycle: when it was due (ns since the fleet's start), how long it took from then, and its parts. */
    record Cycle(long dueNanos, long totalNanos, long pushNanos, long pullNanos, int pulls, int changes) {
    }

    /** One memory sample. */
    record Sample(double seconds, long rss, double heapUsed, double liveData) {
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("fleet", () -> run(Params.fromSystemProperties()));
    }

    static int run(Params p) throws Exception {
        Path serverLog = p.beside("-server.log");
        Path pgLog = p.beside("-postgres.log");
        Files.deleteIfExists(serverLog);
        Files.deleteIfExists(pgLog);
        Files.deleteIfExists(p.report());
        log("Parameters: " + p);
        Path dataDir = Files.createTempDirectory("outpost-fleet-bench");
        try (BenchPostgres pg = BenchPostgres.start(p.server().pgConfig(), pgLog)) {
            DataSource db = pg.pool("postgres", 2);
            ServerProcess.Config config = new ServerProcess.Config(p.server().java(), p.server().serverJar(),
                    p.server().serverJvmArgs(), p.server().serverArgs(), pg.jdbcUrl("postgres"), serverLog,
                    dataDir.resolve("server"), PushBenchmark.SERVER_ENV);
            Path jfrFile = p.beside("-server.jfr");
            Files.deleteIfExists(jfrFile);
            if (p.server().jfr()) {
                config = config.withJvmArgs(List.of("-XX:FlightRecorderOptions:stackdepth=256",
                        "-XX:StartFlightRecording=filename=" + jfrFile + ",settings=profile"));
            }
            log("Starting the server: " + String.join(" ", config.jvmArgs()) + " -jar " + config.jar());
            Result r;
            try (ServerProcess server = ServerProcess.start(config)) {
                log(fmt("Server healthy after %.1f s", server.startSeconds()));
                long rssIdle = server.rssBytes();
                String base = "http://127.0.0.1:" + server.port() + "/api/v1/sync/";
                boolean statements = StatementStats.enable(db);
                r = drive(p, server, pg, db, base);
                if (statements) {
                    Path top = p.beside("-statements.md");
                    Files.writeString(top, StatementStats.top(db, 20), StandardCharsets.UTF_8);
                    log("PostgreSQL's statements by time: " + top);
                }
                r.startSeconds = server.startSeconds();
                r.rssIdle = rssIdle;
                r.peakRss = server.peakRssBytes();
                r.command = server.command();
                r.vmFlags = server.vmFlags();
                r.gcPauses = server.metric("jvm.gc.pause", "COUNT");
                r.gcSeconds = server.metric("jvm.gc.pause", "TOTAL_TIME");
                r.cacheBytes = server.metric("outpost.aggregate.cache.bytes", "VALUE");
                r.tables = tables(db);
                String classes = server.jcmd("GC.class_histogram");
                if (classes != null) {
                    // the live heap after the run (a full GC first), by class: what the server keeps
                    Files.writeString(p.beside("-heap-histogram.txt"), classes.lines().limit(50)
                            .collect(java.util.stream.Collectors.joining("\n")), StandardCharsets.UTF_8);
                }
                if (config.jvmArgs().stream().anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking"))) {
                    // where the resident memory goes, by the JVM's own account (heap, classes, code, threads, GC)
                    Path nmt = p.beside("-native-memory.txt");
                    String out = server.jcmd("VM.native_memory", "summary");
                    if (out != null) Files.writeString(nmt, out, StandardCharsets.UTF_8);
                    log("Native memory summary: " + nmt);
                }
                r.serverLog = PushBenchmark.ServerLog.read(serverLog);
            }
            if (p.server().jfr()) {
                Path profile = p.beside("-profile.md");
                Files.writeString(profile, "## JFR profile of the server, measured window\n\n" + JfrSummary.summarise(
                        jfrFile, r.measuredFrom, r.measuredTo, 15), StandardCharsets.UTF_8);
                log("JFR summary of the measured window: " + profile);
            }
            Path png = p.beside("-memory.png");
            Chart.memory(png, "Server memory, " + p.devices + " devices syncing every second", r.samples,
                    p.warmupSeconds);
            String report = report(p, r, png);
            System.out.println();
            System.out.println(report);
            Files.writeString(p.report(), report, StandardCharsets.UTF_8);
            log("Report written to " + p.report() + ", chart " + png);
            return r.failed ? 1 : 0;
        } finally {
            PushBenchmark.deleteTree(dataDir);
        }
    }

    /** What the run measured. */
    static final class Result {
        double startSeconds;
        long rssIdle;
        long peakRss;
        List<String> command;
        String vmFlags;
        double gcPauses;
        double gcSeconds;
        double cacheBytes;
        List<Cycle> cycles;
        List<Sample> samples;
        long warmupNanos;
        Tables tables;
        PushBenchmark.ServerLog serverLog;
        boolean failed;
        PushBenchmark.Cost cost;
        java.time.Instant measuredFrom;
        java.time.Instant measuredTo;
    }

    /** The fleet: seeds every device, then runs the cycles until warm-up + measured time are over. */
    static Result drive(Params p, ServerProcess server, BenchPostgres pg, DataSource db, String base) throws Exception {
        URI push = server.uri("/api/v1/sync/push");
        List<BenchDevice> devices = new ArrayList<>();
        List<FeedLag.Puller> pullers = new ArrayList<>();
        for (int i = 0; i < p.devices; i++) {
            String tenant = "fleet-" + (i % p.tenants);
            BenchDevice d = new BenchDevice(server, tenant, "dev-" + i, "nurse-" + i);
            devices.add(d);
            pullers.add(new FeedLag.Puller(server, base, tenant, d.deviceId, d.userId));
        }
        // unmeasured: every device creates its first records (so every measured push is half updates) and pulls once
        String[] cursors = new String[p.devices];
        for (int i = 0; i < p.devices; i++) {
            BenchDevice d = devices.get(i);
            BenchDevice.Push seed = d.push(p.ops, 0);
            PushBenchmark.check(d, seed, d.http.send(d.pushRequest(push, seed), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < p.devices; i++) cursors[i] = pullToEnd(pullers.get(i), null, new int[2]);
        log("Seeded " + p.devices + " devices in " + p.tenants + " tenants; the fleet runs " + p.warmupSeconds
                + " s of warm-up and " + p.seconds + " s measured");

        long period = 1_000_000_000L;
        long warmup = p.warmupSeconds * period;
        long total = warmup + p.seconds * period;
        ConcurrentLinkedQueue<Cycle> cycles = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(p.devices);
        long t0 = System.nanoTime() + 500_000_000L;
        for (int i = 0; i < p.devices; i++) {
            int index = i;
            long offset = period * i / p.devices;
            Thread t = new Thread(() -> {
                try {
                    BenchDevice d = devices.get(index);
                    FeedLag.Puller puller = pullers.get(index);
                    String cursor = cursors[index];
                    for (long due = t0 + offset; due - t0 < total && failure.get() == null; due += period) {
                        long wait = due - System.nanoTime();
                        if (wait > 0) LockSupport.parkNanos(wait);
                        long start = System.nanoTime();
                        BenchDevice.Push batch = PushBenchmark.mixed(d, p.ops);
                        HttpResponse<String> answer = d.http.send(d.pushRequest(push, batch),
                                HttpResponse.BodyHandlers.ofString());
                        long pushed = System.nanoTime();
                        PushBenchmark.check(d, batch, answer);
                        int[] counts = new int[2];
                        cursor = pullToEnd(puller, cursor, counts);
                        long end = System.nanoTime();
                        cycles.add(new Cycle(due - t0, end - due, pushed - start, end - pushed, counts[0], counts[1]));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            }, "fleet-" + i);
            t.setDaemon(true);
            t.start();
        }
        List<Sample> samples = new ArrayList<>();
        PushBenchmark.Usage warm = null;
        java.time.Instant warmAt = null;
        long lastHeap = 0;
        boolean sampled = false;
        double heapUsed = Double.NaN;
        double live = Double.NaN;
        while (done.getCount() > 0) {
            long now = System.nanoTime();
            if (!sampled || now - lastHeap >= p.sampleSeconds * period) {
                sampled = true;
                heapUsed = server.metric("jvm.memory.used?tag=area:heap", "VALUE");
                live = server.metric("jvm.gc.live.data.size", "VALUE");
                lastHeap = now;
            }
            samples.add(new Sample((now - t0) / 1e9, server.rssBytes(), heapUsed, live));
            if (warm == null && now - t0 >= warmup) {
                warm = PushBenchmark.Usage.of(server, pg.cpu());
                warmAt = java.time.Instant.now();
                StatementStats.reset(db);
            }
            done.await(1, java.util.concurrent.TimeUnit.SECONDS);
        }
        Throwable failed = failure.get();
        if (failed instanceof BenchFailure f) throw f;
        if (failed != null) throw new BenchFailure("a device failed: " + failed, failed);
        Result r = new Result();
        if (warm != null) r.cost = warm.until(PushBenchmark.Usage.of(server, pg.cpu()));
        r.measuredFrom = warmAt;
        r.measuredTo = java.time.Instant.now();
        r.cycles = new ArrayList<>(cycles);
        r.samples = samples;
        r.warmupNanos = warmup;
        return r;
    }

    /** Pulls until {@code hasMore} is false; counts[0] += pulls, counts[1] += changes. */
    static String pullToEnd(FeedLag.Puller puller, String cursor, int[] counts) throws Exception {
        while (true) {
            FeedLag.Pulled page = puller.pull(cursor, PULL_LIMIT);
            counts[0]++;
            counts[1] += page.changes().size();
            cursor = page.cursor();
            if (!page.hasMore()) return cursor;
        }
    }

    /** Rows of the tables that grow with traffic, at the end of the run. */
    record Tables(long opResults, long maxOpResultsPerDevice, long devices, long changeFeed, long events) {
    }

    static Tables tables(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            return new Tables(count(s, "SELECT coalesce(sum(op_count), 0) FROM push_results"),
                    count(s, "SELECT coalesce(max(n), 0) FROM (SELECT sum(op_count) n FROM push_results "
                            + "GROUP BY tenant, device_id) x"),
                    count(s, "SELECT count(*) FROM devices"), count(s, "SELECT count(*) FROM records"),
                    count(s, "SELECT count(*) FROM domain_event_entry"));
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // --------------------------------------------------------------------------------------------- report

    /** The p-th percentile of sorted nanoseconds, in ms (as the push benchmark ranks them). */
    static double percentile(long[] sorted, double p) {
        return new PushBenchmark.Phase(0, sorted).percentileMillis(p);
    }

    static long[] sorted(List<Cycle> cycles, boolean warm, long warmupNanos, java.util.function.ToLongFunction<Cycle> f) {
        return cycles.stream().filter(c -> (c.dueNanos() >= warmupNanos) == warm).mapToLong(f).sorted().toArray();
    }

    static String report(Params p, Result r, Path png) {
        StringBuilder md = new StringBuilder();
        md.append("# Fleet benchmark: ").append(p.devices).append(" devices syncing every second\n\n");
        md.append("Command: `./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=fleet");
        if (p.seconds != 60) md.append(" -Dbench.fleetSeconds=").append(p.seconds);
        md.append("`\n\n");
        md.append("Server: `").append(String.join(" ", r.command)).append("`\n\n");
        if (r.vmFlags != null) md.append("VM flags: `").append(r.vmFlags).append("`\n\n");
        md.append(String.format(Locale.ROOT, "%d devices in %d tenants; each second each device pushes %d ops (half "
                + "creates, half updates) and pulls to the end. Warm-up %d s, measured %d s. A cycle is timed from its "
                + "scheduled start.%n%n", p.devices, p.tenants, p.ops, p.warmupSeconds, p.seconds));
        md.append("| window | cycles | p50 | p99 | max | cycles > 1 s | push p99 | pull p99 | changes pulled per cycle |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        boolean met = true;
        for (boolean warm : new boolean[] {false, true}) {
            long[] total = sorted(r.cycles, warm, r.warmupNanos, Cycle::totalNanos);
            if (total.length == 0) continue;
            long[] push = sorted(r.cycles, warm, r.warmupNanos, Cycle::pushNanos);
            long[] pull = sorted(r.cycles, warm, r.warmupNanos, Cycle::pullNanos);
            long late = Arrays.stream(total).filter(n -> n > CYCLE_TARGET_MS * 1e6).count();
            double changes = r.cycles.stream().filter(c -> (c.dueNanos() >= r.warmupNanos) == warm)
                    .mapToInt(Cycle::changes).average().orElse(0);
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f ms | %.0f ms | %.0f ms | %d | %.0f ms | %.0f ms | %.1f |%n",
                    warm ? "**measured**" : "warm-up", total.length, percentile(total, 50), percentile(total, 99),
                    percentile(total, 100), late, percentile(push, 99), percentile(pull, 99), changes));
            if (warm) met &= percentile(total, 99) <= CYCLE_TARGET_MS;
        }
        long maxRss = r.samples.stream().mapToLong(Sample::rss).max().orElse(-1);
        met &= maxRss <= RSS_TARGET_BYTES;
        md.append('\n');
        md.append(String.format(Locale.ROOT, "| figure | value |%n|---|---:|%n"));
        md.append("| start to healthy | ").append(fmt("%.1f s", r.startSeconds)).append(" |\n");
        md.append("| RSS idle (after start) | ").append(mib(r.rssIdle)).append(" |\n");
        md.append("| RSS max of the 1 s samples (target ≤ 512 MiB) | **").append(mib(maxRss)).append("** |\n");
        md.append("| RSS peak (VmHWM) | ").append(mib(r.peakRss)).append(" |\n");
        Sample afterWarmup = r.samples.stream().filter(s -> s.seconds() >= p.warmupSeconds).findFirst().orElse(null);
        Sample last = r.samples.isEmpty() ? null : r.samples.get(r.samples.size() - 1);
        if (afterWarmup != null && last != null) {
            md.append("| RSS at the end of warm-up → at the end | ").append(mib(afterWarmup.rss())).append(" → ")
                    .append(mib(last.rss())).append(" |\n");
            md.append("| live heap after GC, end of warm-up → end | ").append(mib((long) afterWarmup.liveData()))
                    .append(" → ").append(mib((long) last.liveData())).append(" |\n");
        }
        if (r.cost != null) {
            long ops = r.cycles.stream().filter(c -> c.dueNanos() >= r.warmupNanos).count() * p.ops;
            md.append(String.format(Locale.ROOT, "| CPU in the measured window: server, PostgreSQL, this load generator "
                    + "| %.2f, %.2f, %.2f cores |%n", r.cost.serverCores(), r.cost.pgCores(), r.cost.selfCores()));
            md.append(String.format(Locale.ROOT, "| server CPU per pushed op (pulls included) | %.0f µs |%n",
                    r.cost.serverMicrosPerOp(ops)));
        }
        md.append("| GC pauses | ").append(fmt("%.0f", r.gcPauses)).append(fmt(", %.1f s in all", r.gcSeconds))
                .append(" |\n");
        md.append("| aggregate cache (estimated bytes) | ").append(mib((long) r.cacheBytes)).append(" |\n");
        md.append("| op results (max per device; the contract keeps ≥ 10,000 per device) | ")
                .append(r.tables.opResults()).append(" (").append(r.tables.maxOpResultsPerDevice()).append(") |\n");
        md.append("| devices, records, events | ").append(r.tables.devices()).append(", ")
                .append(r.tables.changeFeed()).append(", ").append(r.tables.events()).append(" |\n");
        md.append("| server log WARN / ERROR lines | ").append(r.serverLog.warnings()).append(" / ")
                .append(r.serverLog.errors()).append(" |\n");
        md.append("| issue 17 target 1 (p99 cycle ≤ 1 s, RSS ≤ 512 MiB) | ").append(met ? "**met**" : "not met")
                .append(" |\n\n");
        md.append("Memory over the run (chart: `").append(png.getFileName()).append("`), one row per ")
                .append(Math.max(1, r.samples.size() / 20)).append(" s:\n\n");
        md.append("| s | RSS | heap used | live heap after GC |\n|---:|---:|---:|---:|\n");
        int step = Math.max(1, r.samples.size() / 20);
        for (int i = 0; i < r.samples.size(); i += step) {
            Sample s = r.samples.get(i);
            md.append(String.format(Locale.ROOT, "| %.0f | %s | %s | %s |%n", s.seconds(), mib(s.rss()),
                    Double.isNaN(s.heapUsed()) ? "" : mib((long) s.heapUsed()),
                    Double.isNaN(s.liveData()) ? "" : mib((long) s.liveData())));
        }
        r.failed = r.serverLog.errors() > 0;
        return md.toString();
    }
}
