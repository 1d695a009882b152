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
 * <li>(c) an encrypted store (issue 19.3) against a plain one: {@code bench.browserLocal} (1,000) local creates one
 *   after the other, as many {@code get}s, a {@code list} of them all, and an initial sync of a tenant of
 *   {@code bench.browserEncRecords} (5,000) records seeded as in (a), each
 *   with a fresh store per scheme: plain, an app's AES-GCM key, a password (PBKDF2, 600,000 iterations; its open is
 *   timed too).</li>
 * </ol>
 * {@code -Dbench.browserParts=c} runs only some parts (default {@code abc}).
 * Three runs of each, each with a fresh store (and, for (b), a fresh tenant); the page is
 * {@code bench/src/main/resources/META-INF/resources/sdk/bench/}. The tenant of (a) is seeded into the read model by
 * SQL, as in the pull benchmark.
 */
public final class BrowserBenchmark {

    private static final String TENANT = "browser-bench";
    private static final String ENC_TENANT = "browser-enc-bench";
    private static final int RUNS = 3;

    private BrowserBenchmark() {
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("browser", BrowserBenchmark::run);
    }

    private static int run() throws Exception {
        int records = Integer.getInteger("bench.browserRecords", 20_000);
        int ops = Integer.getInteger("bench.browserOps", 1_000);
        int local = Integer.getInteger("bench.browserLocal", 1_000);
        String parts = System.getProperty("bench.browserParts", "abc");
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
            for (int i = 1; i <= (parts.contains("a") ? RUNS : 0); i++) {
                Map<?, ?> r = (Map<?, ?>) browser.await("return window.outpostBench.initialSync(arguments[0], "
                        + "arguments[1], arguments[2])", server.token(TENANT, "nurse-" + i), "nurse-" + i, records);
                double ms = ((Number) r.get("ms")).doubleValue();
                initialMs.add(ms);
                log(String.format(Locale.ROOT, "(a) run %d: %,d records in %.0f ms = %,.0f records/s", i, records, ms,
                        records / (ms / 1000)));
            }
            List<double[]> pending = new ArrayList<>();
            for (int i = 1; i <= (parts.contains("b") ? RUNS : 0); i++) {
                String tenant = "browser-push-" + i;
                Map<?, ?> r = (Map<?, ?>) browser.await("return window.outpostBench.syncPending(arguments[0], "
                        + "arguments[1], arguments[2])", server.token(tenant, "nurse-push"), "nurse-push-" + i, ops);
                double[] row = {((Number) r.get("ms")).doubleValue(), ((Number) r.get("pushMs")).doubleValue(),
                        ((Number) r.get("writeMs")).doubleValue()};
                pending.add(row);
                log(String.format(Locale.ROOT, "(b) run %d: Sync Now of %,d pending ops in %.0f ms (push %.0f ms; "
                        + "the %,d local writes took %.0f ms)", i, ops, row[0], row[1], ops, row[2]));
            }

            StringBuilder c = new StringBuilder();
            if (parts.contains("c")) {
                int syncRecords = Integer.getInteger("bench.browserEncRecords", 5_000);
                PullBenchmark.seed(server.dataSource(), ENC_TENANT, syncRecords);
                PullBenchmark.vacuumAnalyze(server.dataSource());
                c.append(encryptedStore(browser, server.token(ENC_TENANT, "nurse-enc"), local, syncRecords));
            }
            if (!parts.contains("a") || !parts.contains("b")) {
                String md = "# Browser SDK benchmark (parts " + parts + ")\n\n" + c;
                Files.createDirectories(report.toAbsolutePath().getParent());
                Files.writeString(report, md);
                System.out.println(md);
                return 0;
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

                    %s""", records, ops, version.replaceAll(".*(Chrome/[0-9.]+).*", "$1"),
                    (System.nanoTime() - start) / 1e9, records, a, records / (medianInitial / 1000), ops, b, medianSync,
                    c);
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

    /**
     * One step of a run of (c) in the page (each within the driver's 30 s script timeout): {@code open} a fresh
     * client for the scheme, {@code write} or {@code get} records [from, to), {@code list} them, {@code sync}: close
     * and drop the store, open a fresh one for the sync user and time its initial sync. The step's ms (and pulled).
     */
    private static final String LOCAL_STEP = """
            const [token, user, scheme, step, from, to] = arguments;
            const { openSyncClient } = await import('/sdk/outpost-sync.js');
            const b = window.encBench ??= {};
            const id = (i) => `d-${String(i).padStart(6, '0')}`;
            const drop = (name) => new Promise((resolve) => {
              const r = indexedDB.deleteDatabase(name);
              r.onsuccess = r.onerror = r.onblocked = () => resolve();
            });
            const open = async (who) => {
              b.encryption ??= {};
              b.encryption[scheme] ??= scheme === 'plain' ? undefined : scheme === 'password'
                ? { password: 'bench password' } : { key: await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 },
                  false, ['encrypt', 'decrypt']) };
              return openSyncClient({ user: who, tokenProvider: () => token, collections: ['dispenses'],
                storeName: `bench-${scheme}`, syncOnStart: false, liveUpdates: false, syncAfterWriteMs: 600000,
                autoSync: { enabled: false, intervalSeconds: 3600 }, encryption: b.encryption[scheme] });
            };
            const t = performance.now();
            let pulled = 0;
            if (step === 'open') {
              b.client = await open(`${user}-local`);
            } else if (step === 'write') {
              const records = b.client.records('dispenses');
              for (let i = from; i < to; i++) {
                await records.create(id(i), { patient: `P-${i % 97}`, medication: 'Amoxicillin', doseMg: 500, quantity: 21,
                  prescriber: 'Dr. Okafor', notes: 'Take with food, three times a day', dispensedAt: '2026-12-06T01:00:00Z' });
              }
            } else if (step === 'get') {
              const records = b.client.records('dispenses');
              for (let i = from; i < to; i++) if (!(await records.get(id(i)))) throw new Error(`no ${id(i)}`);
            } else if (step === 'list') {
              const n = (await b.client.records('dispenses').list()).length;
              if (n !== to) throw new Error(`listed ${n} of ${to}`);
            } else if (step === 'sync') {
              const ms = performance.now() - t;
              await b.client.close();
              await drop(`bench-${scheme}-${encodeURIComponent(`${user}-local`)}`);
              const client = await open(user);
              const t2 = performance.now();
              const result = await client.syncNow();
              const syncMs = performance.now() - t2;
              await client.close();
              await drop(`bench-${scheme}-${encodeURIComponent(user)}`);
              if (result.error) throw new Error(JSON.stringify(result.error));
              return { ms: syncMs, pulled: result.pulled };
            }
            return { ms: performance.now() - t, pulled };
            """;

    private static double step(Browser browser, String token, String scheme, String step, int from, int to) {
        return num((Map<?, ?>) browser.await(LOCAL_STEP, token, "nurse-enc", scheme, step, from, to), "ms");
    }

    /** {openMs, writeMs, getMs, listMs, syncMs} of one run of (c); writes and gets in chunks of 100. */
    private static double[] localRun(Browser browser, String token, String scheme, int count) {
        double[] row = new double[5];
        row[0] = step(browser, token, scheme, "open", 0, 0);
        for (int i = 0; i < count; i += 100) row[1] += step(browser, token, scheme, "write", i, Math.min(count, i + 100));
        for (int i = 0; i < count; i += 100) row[2] += step(browser, token, scheme, "get", i, Math.min(count, i + 100));
        row[3] = step(browser, token, scheme, "list", 0, count);
        row[4] = step(browser, token, scheme, "sync", 0, 0);
        return row;
    }

    /** (c): plain, app key and password stores, three runs each (interleaved); the Markdown section. */
    private static String encryptedStore(Browser browser, String token, int count, int records) {
        List<String> schemes = List.of("plain", "key", "password");
        Map<String, List<double[]>> runs = new java.util.LinkedHashMap<>();
        schemes.forEach(s -> runs.put(s, new ArrayList<>()));
        for (int i = 1; i <= RUNS; i++) {
            for (String scheme : schemes) {
                double[] row = localRun(browser, token, scheme, count);
                runs.get(scheme).add(row);
                log(String.format(Locale.ROOT, "(c) run %d %s: open %.0f ms, %,d writes %.0f ms, %,d gets %.0f ms, "
                        + "list %.0f ms, initial sync of %,d records %.0f ms", i, scheme, row[0], count, row[1], count,
                        row[2], row[3], records, row[4]));
            }
        }
        StringBuilder table = new StringBuilder();
        for (String scheme : schemes) {
            for (double[] row : runs.get(scheme)) {
                table.append(String.format(Locale.ROOT, "| %s | %.0f | %,.0f | %,.0f | %,.0f | %,.0f |%n", scheme, row[0],
                        count / (row[1] / 1000), count / (row[2] / 1000), count / (row[3] / 1000),
                        records / (row[4] / 1000)));
            }
        }
        StringBuilder medians = new StringBuilder();
        for (String scheme : schemes) {
            List<double[]> rows = runs.get(scheme);
            medians.append(String.format(Locale.ROOT, "- %s: %,.0f writes/s, %,.0f gets/s, list %,.0f records/s, "
                    + "initial sync %,.0f records/s%n", scheme,
                    count / (median(rows.stream().map(r -> r[1]).toList()) / 1000),
                    count / (median(rows.stream().map(r -> r[2]).toList()) / 1000),
                    count / (median(rows.stream().map(r -> r[3]).toList()) / 1000),
                    records / (median(rows.stream().map(r -> r[4]).toList()) / 1000)));
        }
        return String.format(Locale.ROOT, """
                ## (c) An encrypted store (AES-GCM) against a plain one

                %,d local creates one after the other (durability strict), %,d gets, one list of them all, and an
                initial sync of %,d records (seeded as in (a)); a fresh store per run and scheme.

                | scheme | open ms | writes/s | gets/s | list records/s | initial sync records/s |
                |---|---|---|---|---|---|
                %s
                Medians:

                %s""", count, count, records, table, medians);
    }

    private static double num(Map<?, ?> r, String key) {
        return ((Number) r.get(key)).doubleValue();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void log(String line) {
        System.out.println("[bench] " + line);
    }
}
