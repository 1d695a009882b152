package io.outpost.bench;

import io.outpost.browser.Browser;
import io.outpost.browser.Chromium;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The browser SDK in Debian's headless Chromium against the server in this JVM (issue 12's figures):
 * <ol>
 *   <li>(a) initial sync of {@code bench.browserRecords} (20,000) records into a fresh IndexedDB store — Sync Now
 *   pulls the tenant's snapshot in pages of 1,000 — in records/s;</li>
 *   <li>(b) Sync Now of {@code bench.browserOps} (1,000) pending ops, in ms: push in batches of 1,000 (gzip), then the
 *   pull that brings the accepted changes back, as a user's Sync Now does.</li>
 * </ol>
 * Three runs of each, each with a fresh store (and, for (b), a fresh tenant); the page is
 * {@code bench/src/main/resources/META-INF/resources/sdk/bench/}. The tenant of (a) is seeded into the read model by
 * SQL, as in the pull benchmark.
 */
public final class BrowserBenchmark {

    private static final String TENANT = "browser-bench";
    private static final int RUNS = 3;

    private BrowserBenchmark() {
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("browser", BrowserBenchmark::run);
    }

    private static int run() throws Exception {
        int records = Integer.getInteger("bench.browserRecords", 20_000);
        int ops = Integer.getInteger("bench.browserOps", 1_000);
        Path report = Path.of(System.getProperty("bench.report", "target/browser-benchmark.md"));
        Chromium.missing().ifPresent(problem -> {
            throw new PushBenchmark.BenchFailure(Chromium.unavailableMessage(problem), null);
        });
        Path work = Files.createTempDirectory("outpost-browser-bench");
        long start = System.nanoTime();
        try (InProcessServer server = InProcessServer.start(work.resolve("server.log"));
             Browser browser = Browser.start()) {
            PullBenchmark.seed(server.dataSource(), TENANT, records);
            PullBenchmark.vacuumAnalyze(server.dataSource());
            browser.open("http://localhost:" + server.port() + "/sdk/bench/index.html");
            browser.waitForScript("return window.outpostBench !== undefined", java.time.Duration.ofSeconds(30));
            String version = String.valueOf(browser.script("return navigator.userAgent"));

            List<Double> initialMs = new ArrayList<>();
            for (int i = 1; i <= RUNS; i++) {
                Map<?, ?> r = (Map<?, ?>) browser.await("return window.outpostBench.initialSync(arguments[0], "
                        + "arguments[1], arguments[2])", server.token(TENANT, "nurse-" + i), "nurse-" + i, records);
                double ms = ((Number) r.get("ms")).doubleValue();
                initialMs.add(ms);
                log(String.format(Locale.ROOT, "(a) run %d: %,d records in %.0f ms = %,.0f records/s", i, records, ms,
                        records / (ms / 1000)));
            }
            List<double[]> pending = new ArrayList<>();
            for (int i = 1; i <= RUNS; i++) {
                String tenant = "browser-push-" + i;
                Map<?, ?> r = (Map<?, ?>) browser.await("return window.outpostBench.syncPending(arguments[0], "
                        + "arguments[1], arguments[2])", server.token(tenant, "nurse-push"), "nurse-push-" + i, ops);
                double[] row = {((Number) r.get("ms")).doubleValue(), ((Number) r.get("pushMs")).doubleValue(),
                        ((Number) r.get("writeMs")).doubleValue()};
                pending.add(row);
                log(String.format(Locale.ROOT, "(b) run %d: Sync Now of %,d pending ops in %.0f ms (push %.0f ms; "
                        + "the %,d local writes took %.0f ms)", i, ops, row[0], row[1], ops, row[2]));
            }

            StringBuilder a = new StringBuilder();
            for (int i = 0; i < RUNS; i++) {
                a.append(String.format(Locale.ROOT, "| %d | %.0f | %,.0f |%n", i + 1, initialMs.get(i),
                        records / (initialMs.get(i) / 1000)));
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < RUNS; i++) {
                double[] row = pending.get(i);
                b.append(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f (%,.0f writes/s) |%n", i + 1, row[0],
                        row[1], row[2], ops / (row[2] / 1000)));
            }
            double medianInitial = median(initialMs);
            double medianSync = median(pending.stream().map(r -> r[0]).toList());
            String md = String.format(Locale.ROOT, """
                    # Browser SDK benchmark

                    Command: `./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=browser`
                    (`-Dbench.browserRecords=%d -Dbench.browserOps=%d`); headless Chromium (%s) on the same 2 cores as
                    the server and its embedded PostgreSQL. Wall time %.0f s.

                    ## (a) Initial sync of %,d records into a fresh IndexedDB store (Sync Now, pages of 1,000)

                    | run | ms | records/s |
                    |---|---|---|
                    %s
                    Median %,.0f records/s.

                    ## (b) Sync Now of %,d pending ops

                    | run | Sync Now ms (push + pull of the echo) | of which push ms | local writes before, ms |
                    |---|---|---|---|
                    %s
                    Median %.0f ms.
                    """, records, ops, version.replaceAll(".*(Chrome/[0-9.]+).*", "$1"),
                    (System.nanoTime() - start) / 1e9, records, a, records / (medianInitial / 1000), ops, b, medianSync);
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, md);
            System.out.println(md);
            return 0;
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void log(String line) {
        System.out.println("[bench] " + line);
    }
}
