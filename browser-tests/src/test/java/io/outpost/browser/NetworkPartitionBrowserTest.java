package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.TcpProxy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;

/**
 * The browser SDK in Chromium under network faults between it and the real server (issue 18, item 4): a network that
 * goes silent mid-sync (packets held, connections open, nothing answered and nothing refused), and a link that cuts
 * the server's answers mid-push (the pushes arrive and are applied, their answers are lost). The page keeps writing
 * 2.5 records a second during each fault; afterwards every write must be on the server exactly once and the SDK's
 * queue empty. The figures are printed ({@code [outpost] browser SDK, …}) for docs/reliability.md.
 *
 * <p><b>Where the proxy sits.</b> A {@link TcpProxy} (the api module's test-jar) forwards {@code 127.0.0.1:<proxy>}
 * to the server, and Chromium loads the page itself through it ({@code http://127.0.0.1:<proxy>/sdk/…}): the SDK uses
 * its default base URL, the page's origin, so every request of the SDK (pushes, pulls, the live stream) crosses the
 * proxy. The other arrangement, the page from the server's own port and a {@code baseUrl} naming the proxy, does not
 * work without changing the server: the pages under {@code /sdk/} carry {@code Content-Security-Policy: connect-src
 * 'self'}, which forbids fetches to another port, and the API would need {@code outpost.cors.allowed-origins} for
 * the page's origin. Loading the page through the proxy costs nothing here: the page never needs the network for
 * the test's own work. The SDK's modules are imported and the token handed in before any fault, and the test reads
 * and drives the page through chromedriver ({@code executeScript}), which does not cross the proxy; the server's
 * state is read straight from the server (its change feed and event store), not through the proxy.
 *
 * <p><b>What the page records.</b> Before the SDK opens, the page's {@code fetch} is wrapped (the SDK calls the global
 * {@code fetch}): each request's path, start, end, HTTP status or error name ({@code TimeoutError} when the SDK's
 * per-request timeout fired, {@code TypeError} for a cut connection), a push's opIds and its answer's per-op results
 * ({@code duplicate: true} when the server answered from its stored results). Every status the SDK publishes is
 * logged with the page's clock. The SDK runs with its defaults (auto-sync on, after-write syncs, the live stream,
 * backoff 2 s … 5 min) except {@code timeoutMs: 3000} (default 30 s), so that a silent network is noticed within
 * the fault (8 s by default).
 *
 * <p><b>Writes.</b> Each tick of the page's writer (every 400 ms) creates a new record or updates one of
 * {@value #BASE_RECORDS} records created and synced before the fault; each record is written at most once per
 * fault, so no two writes fold into one op and a record's expected version is simply the number of writes to it.
 *
 * <p><b>A stream left open.</b> The class runs a server of its own, whose graceful shutdown is bounded to
 * {@value #SHUTDOWN_WAIT_SECONDS} s (Spring's default: 30 s), and prints how long it took to stop. With the SDK's
 * live stream on, cutting answers used to leave a {@code /sync/stream} request active on the server after its
 * connection was gone ({@code PokeHub} forgot a stream whose write failed without completing it), and the graceful
 * shutdown waited for it: with the shared server that held the test JVM's exit for 30 s. Fixed in the server; the
 * printed stop time (about 2 s) shows it stays fixed.
 */
@RequiresChromium
class NetworkPartitionBrowserTest {

    private static final int TIMEOUT_MS = 3000;
    private static final int WRITE_EVERY_MS = 400;
    private static final int BASE_RECORDS = 40;
    private static final String COLLECTION = "notes";
    /** 8 s in {@code ./mvnw verify}; {@code -Doutpost.blackholeSeconds=60} for issue 18's minute. */
    private static final Duration BLACKHOLE = Duration.ofSeconds(Long.getLong("outpost.blackholeSeconds", 8));
    private static final Duration ANSWERS_CUT = Duration.ofSeconds(3);
    /** Normal writing and syncing before each fault. */
    private static final Duration BEFORE_FAULT = Duration.ofMillis(1500);
    /** Latency per chunk while the test waits for a sync request to be under way, so the fault catches it. */
    private static final long CATCH_DELAY_MS = 250;
    private static final Duration DRAIN = Duration.ofSeconds(60);
    /** The server's graceful shutdown, bounded (default 30 s): see the class comment, "A stream left open". */
    private static final int SHUTDOWN_WAIT_SECONDS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OutpostServer server;
    private static TcpProxy proxy;
    private Browser browser;

    @BeforeAll
    static void start() throws IOException {
        server = OutpostServer.start("--spring.lifecycle.timeout-per-shutdown-phase=" + SHUTDOWN_WAIT_SECONDS + "s");
        proxy = new TcpProxy("127.0.0.1", server.port());
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) proxy.close();
        proxy = null;
        if (server != null) {
            long start = System.nanoTime();
            server.close();
            System.out.printf(Locale.ROOT, "[outpost] the server of NetworkPartitionBrowserTest stopped in %.1f s "
                    + "(graceful shutdown bounded to %d s)%n", (System.nanoTime() - start) / 1e9,
                    SHUTDOWN_WAIT_SECONDS);
        }
        server = null;
    }

    @AfterEach
    void heal() {
        proxy.delay(0);
        proxy.pass();
        if (browser != null) browser.close();
        browser = null;
    }

    @Test
    void aNetworkBlackHoledMidSyncIsShownOfflineAndAfterTheHealTheQueueDrainsWithEveryWriteAppliedOnce()
            throws Exception {
        Fault fault = startFault("bh", false, proxy::blackhole);
        String tenant = fault.tenant();
        String caught = fault.caught();
        long faultNanos = fault.startNanos();
        long faultAt = fault.startAt();

        // noticed while the network is still silent: by the per-request timeout, not by the browser (navigator.onLine
        // stays true, nothing is refused)
        await("OFFLINE or ERROR during the blackhole").atMost(BLACKHOLE).pollInterval(Duration.ofMillis(50))
                .until(() -> firstStatusAfter(faultAt, "offline", "error") != null);
        sleepUntil(faultNanos + BLACKHOLE.toNanos()); // the fault lasts its whole time
        AfterFault after = endFault(faultAt);
        long healAt = after.healAt();
        JsonNode log = after.log();
        JsonNode offline = after.offline();
        long drainedAt = after.drainedAt();
        List<JsonNode> attempts = after.attempts();
        List<JsonNode> during = statusesBetween(log, faultAt, healAt);

        assertThat(offline).as("status during the blackhole").isNotNull();
        assertThat(offline.path("error").asText()).contains("no answer from the server");
        assertThat(during).as("never idle (synced) once the silence was noticed, until the heal")
                .filteredOn(s -> s.path("at").asLong() >= offline.path("at").asLong())
                .noneMatch(s -> s.path("state").asText().equals("idle"));
        assertThat(attempts).as("requests that timed out during the blackhole")
                .anyMatch(e -> "TimeoutError".equals(e.path("error").asText(null)));
        assertThat(during).as("a retry scheduled (backoff), not a loop")
                .anyMatch(s -> !s.path("next").isNull() && s.path("at").asLong() >= offline.path("at").asLong());
        // each attempt waits out the 3 s timeout, then a backoff that doubles (2 s, 4 s, 8 s … half of it at least):
        // a handful per minute, not a loop
        assertThat(attempts.size()).as("sync requests during %d s of silence with a 3 s timeout",
                BLACKHOLE.toSeconds()).isLessThanOrEqualTo(5 + (int) (BLACKHOLE.toSeconds() / 10));
        Verdict verdict = verifyExactlyOnce(tenant, log);

        System.out.printf(Locale.ROOT, "[outpost] browser SDK, network black-holed %.1f s (caught %s): %d writes "
                        + "during the fault; OFFLINE %.1f s into the blackhole; %d sync requests during it, started at "
                        + "%s s (%s); retries scheduled %s s after a failure; queue drained %.1f s after the heal (%d "
                        + "pushes answered with %d duplicates); %d records, %d writes, events per record = writes: "
                        + "%d lost, %d doubled%n",
                (healAt - faultAt) / 1000.0, caught, writesBetween(log, faultAt, healAt),
                (offline.path("at").asLong() - faultAt) / 1000.0, attempts.size(), offsets(attempts, faultAt),
                outcomes(attempts), retries(log, faultAt, healAt), (drainedAt - healAt) / 1000.0,
                pushesAnsweredAfter(log, healAt), duplicatesAfter(log, faultAt), verdict.records, verdict.writes,
                verdict.lost, verdict.doubled);
    }

    @Test
    void answersCutMidPushAreReSentAnsweredAsDuplicatesAndAppliedOnce() throws Exception {
        answersCut(false);
    }

    /**
     * A server restart as a device sees it: the push arrives and is applied, the process goes before its answer is
     * out (the answer is cut), then the port refuses every connection until the server is back.
     */
    @Test
    void aServerRestartMidPushIsRiddenOutAndEveryWriteAppliedOnce() throws Exception {
        answersCut(true);
    }

    private void answersCut(boolean thenRefused) throws Exception {
        Fault fault = startFault("cut", true, proxy::dropAnswers);
        String tenant = fault.tenant();
        String caught = fault.caught();
        long faultNanos = fault.startNanos();
        long faultAt = fault.startAt();

        await("a push whose answer was cut").atMost(ANSWERS_CUT.plusSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> !cutPushes(pageLog(), faultAt, Long.MAX_VALUE).isEmpty());
        long refusedAt = Long.MAX_VALUE;
        if (thenRefused) {
            refusedAt = pageNow();
            proxy.refuse(); // the server is down: open connections reset, new ones refused
        }
        sleepUntil(faultNanos + ANSWERS_CUT.toNanos());
        AfterFault after = endFault(faultAt);
        long healAt = after.healAt();
        JsonNode log = after.log();
        JsonNode offline = after.offline();
        long drainedAt = after.drainedAt();
        List<JsonNode> attempts = after.attempts();
        List<JsonNode> cut = cutPushes(log, faultAt, healAt);

        assertThat(offline).as("status after a cut answer").isNotNull();
        assertThat(offline.path("at").asLong()).as("noticed during the fault").isLessThan(healAt);
        assertThat(cut).as("pushes whose answers were cut").isNotEmpty();
        assertThat(attempts.size()).as("sync requests during 3 s of cut answers (backoff, not a loop)")
                .isLessThanOrEqualTo(6);
        // the server applied each cut push (the proxy cuts only when the answer comes): every op of it, re-sent, is
        // answered from the stored results
        Map<Long, List<JsonNode>> answers = resultsByOpId(log);
        long reSentOps = 0;
        // once connections are refused, a push may be cut before it reached the server: its re-send is applied, not
        // a duplicate; only pushes cut while answers were being dropped are known to have been applied
        final long refused = refusedAt;
        for (JsonNode push : cut.stream().filter(p -> p.path("end").asLong(Long.MAX_VALUE) < refused).toList()) {
            assertThat(push.path("opIds").isArray()).as("the cut push's body was read").isTrue();
            for (JsonNode opId : push.path("opIds")) {
                List<JsonNode> later = answers.getOrDefault(opId.asLong(), List.of()).stream()
                        .filter(r -> r.path("at").asLong() > push.path("at").asLong()).toList();
                assertThat(later).as("answers to op %d after its cut push", opId.asLong()).isNotEmpty()
                        .allMatch(r -> r.path("duplicate").asBoolean(), "duplicate: true");
                reSentOps++;
            }
        }
        Verdict verdict = verifyExactlyOnce(tenant, log);

        System.out.printf(Locale.ROOT, "[outpost] browser SDK, %s %.1f s (caught %s): %d writes during the "
                        + "fault; OFFLINE %.2f s into it; %d pushes cut (%d ops), %d sync requests during it, started "
                        + "at %s s (%s); retries scheduled %s s after a failure; queue drained %.1f s after the "
                        + "heal; %d re-sent ops all answered as duplicates; %d records, %d writes, events per record = "
                        + "writes: %d lost, %d doubled%n",
                thenRefused ? "server restarted mid-push (answer cut, then connections refused)" : "answers cut",
                (healAt - faultAt) / 1000.0, caught, writesBetween(log, faultAt, healAt),
                (offline.path("at").asLong() - faultAt) / 1000.0, cut.size(), reSentOps, attempts.size(),
                offsets(attempts, faultAt), outcomes(attempts), retries(log, faultAt, healAt),
                (drainedAt - healAt) / 1000.0, reSentOps,
                verdict.records, verdict.writes, verdict.lost, verdict.doubled);
    }

    /** A fault under way: the device's tenant, the sync request it caught, when it started (nanoTime, page clock). */
    private record Fault(String tenant, String caught, long startNanos, long startAt) {
    }

    /**
     * A fresh device writing in a fresh tenant; once it has synced a while and a request is under way (a push if
     * {@code catchAPush}), the fault starts.
     */
    private Fault startFault(String phase, boolean catchAPush, Runnable fault) throws Exception {
        String tenant = OutpostServer.anyTenant();
        openDevice(tenant);
        seedBaseRecords();
        startWriter(phase);
        Thread.sleep(BEFORE_FAULT.toMillis());
        String caught = catchASyncRequestUnderWay(catchAPush);
        fault.run();
        proxy.delay(0);
        return new Fault(tenant, caught, System.nanoTime(), pageNow());
    }

    /** The page once a fault has ended: when it healed, the page's log, its first OFFLINE/ERROR, when it drained. */
    private record AfterFault(long healAt, JsonNode log, JsonNode offline, long drainedAt, List<JsonNode> attempts) {
    }

    /** Stops the writer, heals the network and waits until the queue has drained. */
    private AfterFault endFault(long faultAt) throws Exception {
        stopWriter();
        proxy.pass();
        long healAt = pageNow();
        waitUntilDrained();
        JsonNode log = pageLog();
        return new AfterFault(healAt, log, firstStatusAfter(faultAt, "offline", "error"),
                firstSyncedAfter(log, healAt), syncRequestsBetween(log, faultAt, healAt));
    }

    // ------------------------------------------------------------------------------------------------ the page

    /** A fresh Chromium whose page comes through the proxy, the fetch log and the SDK open as {@code window.client}. */
    private void openDevice(String tenant) {
        browser = Browser.start();
        browser.open("http://127.0.0.1:" + proxy.port() + "/sdk/outpost-sync.d.ts"); // any page of the origin
        browser.await("""
                const [token, user, timeoutMs, every, base, collection] = arguments;
                window.net = [];
                window.statuses = [];
                window.writeLog = [];
                window.writeErrors = [];
                const realFetch = window.fetch.bind(window);
                const bodyText = async (body, gzip) => {
                  if (typeof body === 'string') return body;
                  let stream = new Blob([body]).stream();
                  if (gzip) stream = stream.pipeThrough(new DecompressionStream('gzip'));
                  return new Response(stream).text();
                };
                window.fetch = (input, init = {}) => {
                  const url = String(input);
                  const path = url.slice(url.indexOf('/api/v1/') + 8).split('?')[0];
                  const e = { path, at: Date.now(), end: null, status: null, error: null, opIds: null, results: null };
                  window.net.push(e);
                  if (path === 'sync/push') {
                    bodyText(init.body, (init.headers || {})['Content-Encoding'] === 'gzip')
                      .then((text) => { e.opIds = JSON.parse(text).operations.map((o) => o.opId); })
                      .catch((error) => { e.bodyError = String(error); });
                  }
                  return realFetch(input, init).then((response) => {
                    e.status = response.status;
                    e.end = Date.now();
                    if (path === 'sync/push' && response.ok) {
                      response.clone().json().then((b) => {
                        e.results = b.results.map((r) => ({ opId: r.opId, status: r.status,
                          duplicate: r.duplicate === true }));
                      }, (error) => { e.bodyError = error.name; });
                    }
                    return response;
                  }, (error) => {
                    e.error = error.name;
                    e.end = Date.now();
                    throw error;
                  });
                };
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                window.client = await openSyncClient({ user, tokenProvider: () => token, collections: [collection],
                  timeoutMs });
                window.client.subscribe((s) => window.statuses.push({ at: Date.now(), state: s.state,
                  summary: s.summary, pending: s.pendingOps, next: s.nextAttemptAt,
                  error: s.lastError && s.lastError.message }));

                window.writes = {};
                const wrote = (id) => {
                  window.writes[id] = (window.writes[id] || 0) + 1;
                  window.writeLog.push({ id, at: Date.now() });
                };
                window.seed = async () => {
                  for (let i = 0; i < base; i++) {
                    await window.client.records(collection).create(`base-${i}`, { n: i });
                    wrote(`base-${i}`);
                  }
                };
                // each tick one write: a new record, or an update of the next base record (each at most once)
                window.startWriter = (phase) => {
                  let tick = 0;
                  let chain = Promise.resolve();
                  const timer = setInterval(() => {
                    const n = tick++;
                    chain = chain.then(async () => {
                      const notes = window.client.records(collection);
                      const update = n % 2 === 1 && (n - 1) / 2 < base;
                      const id = update ? `base-${(n - 1) / 2}` : `${phase}-${n}`;
                      if (update) await notes.update(id, { [phase]: n, at: new Date().toISOString() });
                      else await notes.create(id, { phase, n, at: new Date().toISOString() });
                      wrote(id);
                    }).catch((error) => window.writeErrors.push(String(error)));
                  }, every);
                  window.stopWriter = async () => {
                    clearInterval(timer);
                    await chain;
                    return tick;
                  };
                };
                """, server.token(tenant, "clerk"), "clerk", TIMEOUT_MS, WRITE_EVERY_MS, BASE_RECORDS, COLLECTION);
    }

    /** The base records, synced: no op of theirs is left, so each later update is an op of its own. */
    private void seedBaseRecords() {
        browser.await("await window.seed();");
        await("the base records synced").atMost(DRAIN).until(() -> Boolean.TRUE.equals(browser.await("""
                const r = await window.client.syncNow();
                return !r.error && (await window.client.pendingOps()).length === 0;
                """)));
    }

    private void startWriter(String phase) {
        browser.script("window.startWriter(arguments[0]);", phase);
    }

    /** Stops the writer once its last write is done; every local write must have succeeded. */
    private void stopWriter() {
        assertThat(((Number) browser.await("return await window.stopWriter();")).intValue()).as("writer ticks")
                .isPositive();
        assertThat(browser.script("return window.writeErrors")).as("local write failures").isEqualTo(List.of());
    }

    /**
     * Slows every chunk through the proxy, asks for a sync and waits until one of its requests (a push when
     * {@code push}) has been sent and not answered: the fault that follows hits a sync under way. The caller starts
     * the fault and removes the latency. Returns what was caught, e.g. {@code "sync/push"}.
     */
    private String catchASyncRequestUnderWay(boolean push) {
        long mark = pageNow();
        proxy.delay(CATCH_DELAY_MS);
        browser.script("window.client.syncNow().catch(() => {});");
        String wanted = push ? "e.path === 'sync/push'" : "(e.path === 'sync/push' || e.path === 'sync/pull')";
        return await("a sync request under way").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> (String) browser.script("const e = window.net.find((e) => e.at >= arguments[0] "
                        + "&& e.end === null && " + wanted + "); return e ? e.path : null;", mark), p -> p != null);
    }

    /**
     * Waits until one look at the page finds no pending, failed or conflicted op and the status summary
     * {@code synced} (a later sync, e.g. after a poke, may show {@code syncing} again: the snapshot is what counts).
     */
    private void waitUntilDrained() {
        await("the queue drained after the heal").atMost(DRAIN).pollInterval(Duration.ofMillis(100))
                .until(() -> browser.await("""
                        return [(await window.client.pendingOps()).length, (await window.client.failedOps()).length,
                          (await window.client.conflictedOps()).length, window.client.status().summary];
                        """), List.of(0L, 0L, 0L, "synced")::equals);
    }

    private long pageNow() {
        return ((Number) browser.script("return Date.now();")).longValue();
    }

    /** The page's logs ({@code net}, {@code statuses}, {@code writes}, {@code writeLog}) and its local records. */
    private JsonNode pageLog() {
        String text = (String) browser.await("""
                const records = await window.client.records(arguments[0]).list();
                return JSON.stringify({ net: window.net, statuses: window.statuses, writes: window.writes,
                  writeLog: window.writeLog, records: records.map((r) => ({ id: r.id, data: r.data })) });
                """, COLLECTION);
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first status the page logged at or after {@code at} (page clock) in one of {@code states}, or null. */
    private JsonNode firstStatusAfter(long at, String... states) {
        JsonNode statuses;
        try {
            statuses = JSON.readTree((String) browser.script("return JSON.stringify(window.statuses);"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (JsonNode s : statuses) {
            if (s.path("at").asLong() >= at && List.of(states).contains(s.path("state").asText())) return s;
        }
        return null;
    }

    private static long firstSyncedAfter(JsonNode log, long at) {
        for (JsonNode s : log.path("statuses")) {
            long time = s.path("at").asLong();
            if (time >= at && "synced".equals(s.path("summary").asText())) return time;
        }
        throw new AssertionError("no synced status after the heal: " + log.path("statuses"));
    }

    private static List<JsonNode> statusesBetween(JsonNode log, long from, long to) {
        return stream(log.path("statuses")).filter(s -> s.path("at").asLong() >= from && s.path("at").asLong() < to)
                .toList();
    }

    /**
     * Pushes and pulls (not the live stream) under way at some time in [from, to): started before {@code to} and not
     * ended before {@code from}, so the request the fault caught counts too (it started a little before).
     */
    private static List<JsonNode> syncRequestsBetween(JsonNode log, long from, long to) {
        return stream(log.path("net")).filter(e -> e.path("path").asText().matches("sync/(push|pull)"))
                .filter(e -> e.path("at").asLong() < to && (e.path("end").isNull() || e.path("end").asLong() >= from))
                .toList();
    }

    /** Pushes under way in [from, to) that failed without an answer (a cut connection). */
    private static List<JsonNode> cutPushes(JsonNode log, long from, long to) {
        return syncRequestsBetween(log, from, to).stream().filter(e -> e.path("path").asText().equals("sync/push"))
                .filter(e -> !e.path("error").isNull()).toList();
    }

    /** Every push result, by opId, each with the start of its push as {@code at}. */
    private static Map<Long, List<JsonNode>> resultsByOpId(JsonNode log) {
        Map<Long, List<JsonNode>> out = new HashMap<>();
        for (JsonNode e : log.path("net")) {
            for (JsonNode r : e.path("results")) {
                ObjectNode copy = r.deepCopy();
                copy.put("at", e.path("at").asLong());
                out.computeIfAbsent(r.path("opId").asLong(), k -> new ArrayList<>()).add(copy);
            }
        }
        return out;
    }

    private static long duplicatesAfter(JsonNode log, long at) {
        return stream(log.path("net")).filter(e -> e.path("at").asLong() >= at)
                .flatMap(e -> stream(e.path("results"))).filter(r -> r.path("duplicate").asBoolean()).count();
    }

    private static long pushesAnsweredAfter(JsonNode log, long at) {
        return stream(log.path("net")).filter(e -> e.path("at").asLong() >= at)
                .filter(e -> e.path("path").asText().equals("sync/push") && e.path("status").asInt() == 200).count();
    }

    private static long writesBetween(JsonNode log, long from, long to) {
        return stream(log.path("writeLog")).filter(w -> w.path("at").asLong() >= from && w.path("at").asLong() < to)
                .count();
    }

    private static String offsets(List<JsonNode> requests, long from) {
        return String.join(", ", requests.stream()
                .map(e -> String.format(Locale.ROOT, "%.1f", (e.path("at").asLong() - from) / 1000.0)).toList());
    }

    /** Each backoff wait scheduled in [from, to): {@code nextAttemptAt} minus the time of the first status with it. */
    private static String retries(JsonNode log, long from, long to) {
        Map<String, Long> firstSeen = new LinkedHashMap<>();
        for (JsonNode s : statusesBetween(log, from, to)) {
            if (!s.path("next").isNull()) firstSeen.putIfAbsent(s.path("next").asText(), s.path("at").asLong());
        }
        return String.join(", ", firstSeen.entrySet().stream().map(e -> String.format(Locale.ROOT, "%.1f",
                (Instant.parse(e.getKey()).toEpochMilli() - e.getValue()) / 1000.0)).toList());
    }

    private static String outcomes(List<JsonNode> requests) {
        return String.join(", ", requests.stream().map(e -> e.path("path").asText().substring(5) + " "
                + (e.path("error").isNull() ? (e.path("status").isNull() ? "unanswered" : e.path("status").asText())
                : e.path("error").asText())).toList());
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
    }

    // ------------------------------------------------------------------------------------------------ the server

    private record Verdict(int records, long writes, long lost, long doubled) {
    }

    /**
     * Every record the page wrote is on the server once, at a version equal to the number of writes to it, with the
     * data the page shows; its event stream has exactly one event per write (fewer: a write lost, more: one applied
     * twice), and no op of the device made more than one event.
     */
    private Verdict verifyExactlyOnce(String tenant, JsonNode log) {
        Map<String, Long> expected = new TreeMap<>();
        log.path("writes").fields().forEachRemaining(w -> expected.put(w.getKey(), w.getValue().asLong()));
        Map<String, JsonNode> local = new HashMap<>();
        log.path("records").forEach(r -> local.put(r.path("id").asText(), r.path("data")));
        assertThat(local.keySet()).as("the page's records").isEqualTo(expected.keySet());

        String token = server.token(tenant, "outpost-harness", Role.USER, Role.ADMIN);
        await("the server's feed holds every write").atMost(DRAIN).untilAsserted(() -> {
            Map<String, Long> versions = new TreeMap<>();
            List<JsonNode> changes = server.pull(token, OutpostServer.HARNESS_DEVICE).stream()
                    .filter(c -> COLLECTION.equals(c.path("collection").asText())).toList();
            changes.forEach(c -> versions.merge(c.path("id").asText(), c.path("version").asLong(), (a, b) -> -1L));
            assertThat(versions).as("id → version on the server (-1: the id twice)").isEqualTo(expected);
            for (JsonNode c : changes) {
                assertThat(c.path("data")).as("the server's data of %s", c.path("id").asText())
                        .isEqualTo(local.get(c.path("id").asText()));
            }
        });

        JdbcTemplate db = server.bean(JdbcTemplate.class);
        String prefix = tenant + "/" + COLLECTION + "/";
        Map<String, Long> events = new TreeMap<>();
        db.query("SELECT substring(aggregate_identifier from ?) AS id, count(*) AS n FROM domain_event_entry "
                        + "WHERE aggregate_identifier LIKE ? GROUP BY aggregate_identifier",
                (RowCallbackHandler) rs -> events.put(rs.getString("id"), rs.getLong("n")),
                prefix.length() + 1, prefix + "%");
        long lost = 0;
        long doubled = 0;
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            long stored = events.getOrDefault(e.getKey(), 0L);
            if (stored < e.getValue()) lost += e.getValue() - stored;
            if (stored > e.getValue()) doubled += stored - e.getValue();
        }
        Long doubledOps = db.queryForObject("SELECT count(*) FROM (SELECT m->>'deviceId', m->>'opId' FROM "
                + "(SELECT convert_from(meta_data, 'UTF8')::jsonb AS m FROM domain_event_entry "
                + "WHERE aggregate_identifier LIKE ?) e WHERE m->>'opId' IS NOT NULL GROUP BY 1, 2 "
                + "HAVING count(*) > 1) d",
                Long.class, tenant + "/%");
        assertThat(events).as("events per record in the event store").isEqualTo(expected);
        assertThat(doubledOps).as("(device, opId) pairs with more than one event").isZero();
        long writes = expected.values().stream().mapToLong(Long::longValue).sum();
        return new Verdict(expected.size(), writes, lost, doubled);
    }
}
