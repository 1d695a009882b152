package io.outpost.bench;

import static io.outpost.bench.PushBenchmark.log;
import static io.outpost.bench.PushBenchmark.seconds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.bench.PushBenchmark.BenchFailure;
import io.outpost.sdk.Records;
import io.outpost.sdk.StoreKey;
import io.outpost.sdk.SyncClient;
import io.outpost.sdk.SyncResult;
import io.outpost.sdk.TokenProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The Java SDK against the in-process server (issue 11's targets):
 * <ol>
 *   <li><b>initial sync</b>: a fresh store pulls a tenant of {@code bench.sdkRecords} (100,000) dispenses, pages of
 *   1,000, into SQLite — records/s over the whole {@code syncNow()} (HTTP, JSON, SQLite commits with
 *   {@code synchronous=FULL}); target ≥ 25,000/s. The tenant is seeded into the read model by SQL, as in the pull
 *   benchmark: the client's path is what is measured. Three runs, each into a new store.</li>
 *   <li><b>push of queued ops</b>: {@code bench.sdkOps} (10,000) creates written to the local store (local writes/s:
 *   one SQLite transaction each, as an app makes them), then one {@code syncNow()} pushes them in batches of 1,000
 *   (gzip) and pulls them back — ops/s over the push phase.</li>
 *   <li><b>local store, plain vs encrypted</b> (issue 19.3): {@code bench.sdkLocalOps} (5,000) local creates (one
 *   transaction each), as many reads by id and one list of them all, in a plain store, one encrypted with a key of
 *   the app's and one with a password's key (SQLite3 Multiple Ciphers, ChaCha20-Poly1305), three rounds in turn;
 *   and the time to open each store again (a password's key costs its PBKDF2). Offline, before the server starts.</li>
 * </ol>
 * Run: {@code ./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=sdk}; report in
 * {@code bench/target/sdk-benchmark.md}.
 */
public final class SdkBenchmark {

    static final String TENANT = "sdk-initial";

    private SdkBenchmark() {
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("sdk", SdkBenchmark::run);
    }

    record Run(int records, double seconds) {
        double rate() {
            return records / seconds;
        }
    }

    private static int run() throws Exception {
        int records = Integer.getInteger("bench.sdkRecords", 100_000);
        int ops = Integer.getInteger("bench.sdkOps", 10_000);
        Path report = Path.of(System.getProperty("bench.report", "target/sdk-benchmark.md"));
        Path work = Files.createTempDirectory("outpost-sdk-bench");
        long start = System.nanoTime();
        String localStore = local(work.resolve("local")); // (c) first: nothing else runs in the JVM yet
        try (InProcessServer server = InProcessServer.start(work.resolve("server.log"))) {
            URI base = URI.create("http://localhost:" + server.port() + "/api/v1");
            PullBenchmark.seed(server.dataSource(), TENANT, records);
            PullBenchmark.vacuumAnalyze(server.dataSource());

            List<Run> initial = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                try (SyncClient client = client(base, server.token(TENANT, "nurse-" + i), work.resolve("initial-" + i))) {
                    long at = System.nanoTime();
                    SyncResult r = client.syncNow();
                    double s = seconds(System.nanoTime() - at);
                    check(r.error().isEmpty(), "initial sync failed: " + r.error());
                    check(r.pulled() == records, "pulled " + r.pulled() + " of " + records);
                    int local = client.records("dispenses").list().size();
                    check(local == records, "the store holds " + local + " of " + records);
                    initial.add(new Run(records, s));
                    log(String.format(Locale.ROOT, "(a) run %d: %d records in %.2f s = %,.0f records/s (store %.1f MB)",
                            i, records, s, records / s, Files.size(client.storeFile()) / 1e6));
                }
            }

            // (b) three runs, each a new device with a new store; run 1 meets a server whose push path is still cold
            // (the JIT has only seen pulls), runs 2 and 3 the warm server a deployment runs most of its life on
            List<Run> writes = new ArrayList<>();
            List<Run> pushes = new ArrayList<>();
            // -Dbench.jfr=true: a JFR profile of (b)'s drains only (the client, the in-process server and its driver)
            jdk.jfr.Recording jfr = Boolean.getBoolean("bench.jfr")
                    ? new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile")) : null;
            List<java.time.Instant[]> drains = new ArrayList<>();
            if (jfr != null) {
                jfr.setToDisk(true);
                jfr.start();
            }
            for (int run = 1; run <= 3; run++) {
                try (SyncClient client = client(base, server.token("sdk-push", "nurse-push-" + run),
                        work.resolve("push-" + run))) {
                    Records dispenses = client.records("dispenses");
                    long at = System.nanoTime();
                    for (int i = 0; i < ops; i++) {
                        dispenses.create("d-" + run + "-" + i,
                                (ObjectNode) PullBenchmark.parse(BenchDevice.dispense("sdk", i)));
                    }
                    double writeSeconds = seconds(System.nanoTime() - at);
                    check(client.status().pendingOps() == ops, "pending " + client.status().pendingOps());
                    log(String.format(Locale.ROOT, "(b) run %d: %d local writes in %.2f s = %,.0f writes/s", run, ops,
                            writeSeconds, ops / writeSeconds));
                    List<Double> pushPhase = new ArrayList<>();
                    client.onStatus(s -> s.progress()
                            .filter(p -> p.phase() == io.outpost.sdk.SyncStatus.Progress.Phase.PULL)
                            .ifPresent(p -> { if (pushPhase.isEmpty()) pushPhase.add((double) System.nanoTime()); }));
                    at = System.nanoTime();
                    java.time.Instant drainStart = java.time.Instant.now();
                    SyncResult r = client.syncNow();
                    double total = seconds(System.nanoTime() - at);
                    check(r.error().isEmpty(), "push failed: " + r.error());
                    check(r.applied() == ops && r.pushed() == ops, "applied " + r.applied() + " of " + ops);
                    check(client.status().pendingOps() == 0, "still pending: " + client.status().pendingOps());
                    double pushSeconds = pushPhase.isEmpty() ? total : seconds((long) (pushPhase.get(0) - at));
                    drains.add(new java.time.Instant[] {drainStart, drainStart.plusNanos((long) (pushSeconds * 1e9))});
                    writes.add(new Run(ops, writeSeconds));
                    pushes.add(new Run(ops, pushSeconds));
                    log(String.format(Locale.ROOT, "(b) run %d: pushed %d ops in %.2f s = %,.0f ops/s (whole sync "
                            + "with the pull: %.2f s)", run, ops, pushSeconds, ops / pushSeconds, total));
                }
            }

            String profile = "";
            if (jfr != null) {
                Path file = report.resolveSibling("sdk-benchmark.jfr");
                jfr.stop();
                jfr.dump(file);
                jfr.close();
                // the first warm drain (round 2): where the client's and the server's threads spend CPU
                java.time.Instant[] warm = drains.get(Math.min(1, drains.size() - 1));
                profile = "\n## Profile of (b)'s push phase, round " + Math.min(2, drains.size())
                        + " (`-Dbench.jfr=true`, " + file.getFileName() + ")\n\n"
                        + JfrSummary.summarise(file, warm[0], warm[1], 15);
                Files.writeString(report.resolveSibling("sdk-benchmark-profile.md"), profile);
            }
            Run best = initial.stream().max(Comparator.comparingDouble(Run::rate)).orElseThrow();
            String md = String.format(Locale.ROOT, """
                    # SDK benchmark

                    Command: `./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=sdk`
                    (`-Dbench.sdkRecords=%d -Dbench.sdkOps=%d`); server in the same JVM on an embedded PostgreSQL,
                    2 cores shared by server, database and client. Wall time %.0f s.

                    ## (a) Initial sync of %,d records into a fresh SQLite store (pages of 1,000)

                    | run | seconds | records/s |
                    |---|---|---|
                    %s
                    Best %,.0f records/s, median %,.0f records/s (target ≥ 25,000/s).

                    ## (b) %,d queued creates, pushed by one syncNow() (three devices, one after another)

                    | run | local writes (one transaction each), s | writes/s | push (batches of 1,000, gzip, answers stored), s | ops/s |
                    |---|---:|---:|---:|---:|
                    %s
                    Push median %,.0f ops/s (target ≥ 5,000 ops/s; run 1 meets a server whose push path is cold).
                    """, records, ops, seconds(System.nanoTime() - start), records,
                    String.join("\n", initial.stream().map(r -> String.format(Locale.ROOT, "| %d | %.2f | %,.0f |",
                            initial.indexOf(r) + 1, r.seconds(), r.rate())).toList()) + "\n",
                    best.rate(), initial.stream().map(Run::rate).sorted().toList().get(1),
                    ops, String.join("\n", java.util.stream.IntStream.range(0, pushes.size()).mapToObj(i ->
                            String.format(Locale.ROOT, "| %d | %.2f | %,.0f | %.2f | %,.0f |", i + 1,
                                    writes.get(i).seconds(), writes.get(i).rate(), pushes.get(i).seconds(),
                                    pushes.get(i).rate())).toList()) + "\n",
                    pushes.stream().map(Run::rate).sorted().toList().get(1));
            md += "\n" + localStore + profile;
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, md);
            System.out.println(md);
            return 0;
        } finally {
            deleteTree(work);
        }
    }

    /** A store kind of (c). */
    private record Kind(String name, StoreKey key) {
    }

    /** One round of (c) for one kind: seconds of the writes, the reads by id, the list, the reopen; the size. */
    private record LocalRun(double writes, double reads, double list, double reopen, long bytes) {
    }

    /** (c) Local writes and reads in a plain store and in encrypted ones, three rounds in turn; a markdown section. */
    static String local(Path work) throws IOException {
        int ops = Integer.getInteger("bench.sdkLocalOps", 5_000);
        URI offline = URI.create("http://127.0.0.1:9/api/v1"); // the discard port: nothing answers
        byte[] appKey = new byte[32];
        new java.security.SecureRandom().nextBytes(appKey);
        List<Kind> kinds = List.of(new Kind("plain", null), new Kind("encrypted, app's key", StoreKey.ofBytes(appKey)),
                new Kind("encrypted, password", StoreKey.fromPassword("correct horse battery".toCharArray())));
        java.util.Map<String, List<LocalRun>> runs = new java.util.LinkedHashMap<>();
        kinds.forEach(k -> runs.put(k.name(), new ArrayList<>()));
        for (int round = 1; round <= 3; round++) {
            for (Kind kind : kinds) {
                Path dir = work.resolve(kind.name().replaceAll("[^a-z]", "") + "-" + round);
                double writes;
                double reads;
                double list;
                double reopen;
                long bytes;
                try (SyncClient client = localClient(offline, dir, kind.key())) {
                    Records dispenses = client.records("dispenses");
                    long at = System.nanoTime();
                    for (int i = 0; i < ops; i++) {
                        dispenses.create("d-" + i, (ObjectNode) PullBenchmark.parse(BenchDevice.dispense("sdk", i)));
                    }
                    writes = seconds(System.nanoTime() - at);
                }
                long opened = System.nanoTime();
                try (SyncClient client = localClient(offline, dir, kind.key())) {
                    reopen = seconds(System.nanoTime() - opened);
                    Records dispenses = client.records("dispenses");
                    java.util.SplittableRandom random = new java.util.SplittableRandom(round);
                    long at = System.nanoTime();
                    for (int i = 0; i < ops; i++) {
                        check(dispenses.get("d-" + random.nextInt(ops)).isPresent(), "a record is missing");
                    }
                    reads = seconds(System.nanoTime() - at);
                    at = System.nanoTime();
                    int listed = dispenses.list().size();
                    list = seconds(System.nanoTime() - at);
                    check(listed == ops, "listed " + listed + " of " + ops);
                    bytes = Files.size(client.storeFile()) + sizeIfExists(Path.of(client.storeFile() + "-wal"));
                }
                runs.get(kind.name()).add(new LocalRun(writes, reads, list, reopen, bytes));
                log(String.format(Locale.ROOT, "(c) round %d, %s: %,.0f writes/s, %,.0f reads/s, list %.0f ms, "
                                + "open again %.0f ms", round, kind.name(), ops / writes, ops / reads, list * 1000,
                        reopen * 1000));
            }
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "## (c) Local store, plain vs encrypted: "
                + "%,d creates (one transaction each, `synchronous=FULL`), %,d reads by id, one list%n%n"
                + "Medians of three rounds (the kinds in turn in each round); the client is offline, before the "
                + "server starts.%n%n"
                + "| store | writes/s | reads by id/s | list of %,d, ms | open again, ms | store + WAL, MB |%n"
                + "|---|---:|---:|---:|---:|---:|%n", ops, ops, ops));
        for (Kind kind : kinds) {
            List<LocalRun> r = runs.get(kind.name());
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %.0f | %.0f | %.1f |%n", kind.name(),
                    ops / median(r, LocalRun::writes), ops / median(r, LocalRun::reads),
                    median(r, LocalRun::list) * 1000, median(r, LocalRun::reopen) * 1000,
                    median(r, x -> x.bytes()) / 1e6));
        }
        return md.toString();
    }

    private static double median(List<LocalRun> runs, java.util.function.ToDoubleFunction<LocalRun> value) {
        return runs.stream().mapToDouble(value).sorted().toArray()[runs.size() / 2];
    }

    private static long sizeIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    private static SyncClient localClient(URI base, Path dir, StoreKey key) {
        return SyncClient.builder().baseUri(base).tokenProvider(TokenProvider.of("offline")).storeDirectory(dir)
                .collection("dispenses").syncOnStart(false).syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300)).encryption(key).build();
    }

    private static SyncClient client(URI base, String token, Path dir) {
        return SyncClient.builder().baseUri(base).tokenProvider(TokenProvider.of(token)).storeDirectory(dir)
                .collection("dispenses").syncOnStart(false).syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300)).timeout(Duration.ofMinutes(2)).build();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new BenchFailure(message);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
