package io.outpost.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.bench.BenchDevice;
import io.outpost.bench.PushBenchmark;
import io.outpost.api.support.TcpProxy;
import io.outpost.sdk.SyncStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fault suite: the real server jar, two nodes behind Debian's nginx on one PostgreSQL ({@link FaultCluster}),
 * devices pushing through nginx while a fault happens ({@link Fleet}), and after every scenario the whole record set
 * checked ({@link RecordSet}: nothing acknowledged lost, nothing doubled, every device's pull equal to the store).
 *
 * <p>The quick form (the default) runs in {@code ./mvnw verify}; {@code -Dfaults.full=true} runs longer faults with
 * more devices (docs/reliability.md has the command and the figures). Without nginx the suite reports itself
 * skipped with the install hint, unless {@code OUTPOST_FAULT_TESTS=required} (the CI sets it): then it fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteTest {

    /** The sizes of one form of the suite. */
    record Form(String name, int devices, int opsPerPush, Duration pause, Duration dropFor, Duration slowFor,
                long slowMillis, Duration downFor, Duration loadAroundKill, Duration blackholeFor) {
    }

    static final Form QUICK = new Form("quick", 6, 20, Duration.ofMillis(100), Duration.ofSeconds(3),
            Duration.ofSeconds(4), 50, Duration.ofSeconds(6), Duration.ofSeconds(3), Duration.ofSeconds(8));
    static final Form FULL = new Form("full", 16, 50, Duration.ofMillis(50), Duration.ofSeconds(20),
            Duration.ofSeconds(30), 250, Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofSeconds(60));
    static final Duration FEED_DEADLINE = Duration.ofSeconds(60);

    private final Form form = Boolean.getBoolean("faults.full") ? FULL : QUICK;
    private final FaultReport report = new FaultReport();
    private FaultCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        var nginx = Nginx.binary();
        if (nginx.isEmpty()) {
            String why = "fault suite skipped: no nginx at " + Nginx.CANDIDATES
                    + " (install Debian's: apt-get install nginx-light)";
            if ("required".equals(System.getenv("OUTPOST_FAULT_TESTS"))) {
                throw new AssertionError(why.replace("skipped", "required (OUTPOST_FAULT_TESTS=required)"));
            }
            System.out.println("[faults] " + why);
            Assumptions.abort(why);
        }
        Path dir = Files.createTempDirectory("outpost-faults-");
        cluster = FaultCluster.start(dir, nginx.get(), path("faults.nginxTemplate"), path("faults.serverJar"),
                path("faults.dockerfile"));
        report.note(String.format(Locale.ROOT, "Two nodes healthy %.1f s and %.1f s after their start (started at "
                + "once on the same 2 cores); logs in %s", cluster.startSeconds().get(0),
                cluster.startSeconds().get(1), dir));
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null) throw new IllegalStateException("-D" + property + " is not set (faults/pom.xml sets it)");
        return Path.of(value).toAbsolutePath().normalize();
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster == null) return;
        try {
            report.write(Path.of(System.getProperty("faults.reportDir", "target"), "fault-report.md"), form.name());
        } finally {
            cluster.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ scenarios

    @Test
    @Order(1)
    void aRetryThatLandsOnTheOtherNodeGetsTheStoredResults() throws Exception {
        Fleet fleet = new Fleet(cluster, "retry-across", 1);
        BenchDevice d = fleet.devices.get(0);
        BenchDevice.Push first = d.push(form.opsPerPush(), 0);
        HttpResponse<String> onNode1 = send(d, cluster.node(0, "/api/v1/sync/push"), first);
        PushBenchmark.check(d, first, onNode1);
        assertThat(onNode1.body()).doesNotContain("\"duplicate\":true");
        HttpResponse<String> onNode2 = send(d, cluster.node(1, "/api/v1/sync/push"), first);
        PushBenchmark.check(d, first, onNode2);
        assertThat(onNode2.body().split("\"duplicate\":true", -1)).as("every result a duplicate")
                .hasSize(first.size() + 1);
        // and a push of updates made on node 2 to records node 1 has cached: no stale decision
        BenchDevice.Push updates = d.push(0, form.opsPerPush() / 2);
        PushBenchmark.check(d, updates, send(d, cluster.node(1, "/api/v1/sync/push"), updates));
        BenchDevice.Push more = d.push(0, form.opsPerPush() / 2);
        PushBenchmark.check(d, more, send(d, cluster.node(0, "/api/v1/sync/push"), more));
        verify("retry on the other node", "the same push sent to node 1, then to node 2", fleet, null, "");
    }

    @Test
    @Order(2)
    void aPushPokesDevicesOnEveryNode() throws Exception {
        Fleet fleet = new Fleet(cluster, "pokes", 1);
        BenchDevice d = fleet.devices.get(0);
        String token = cluster.token(fleet.tenant, "watcher");
        List<List<String>> streams = List.of(subscribe(cluster.node(0, ""), token, "w-1"),
                subscribe(cluster.node(1, ""), token, "w-2"), subscribe(cluster.balancer(""), token, "w-3"));
        for (List<String> s : streams) {
            await().atMost(Duration.ofSeconds(15)).until(() -> s.contains("status:200")
                    && s.stream().anyMatch(l -> l.startsWith(":connected")));
        }
        long start = System.nanoTime();
        BenchDevice.Push push = d.push(1, 0);
        PushBenchmark.check(d, push, send(d, cluster.balancer("/api/v1/sync/push"), push));
        for (List<String> s : streams) {
            await().atMost(Duration.ofSeconds(15)).until(() -> s.contains("event:poke")
                    && s.size() > s.indexOf("event:poke") + 1);
            assertThat(s.get(s.indexOf("event:poke") + 1)).startsWith("data:").contains("\"cursor\"");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        verify("pokes on every node", "none (streams on node 1, node 2 and through nginx)", fleet, null,
                String.format(Locale.ROOT, "all three poked within %.2f s of the push", seconds));
    }

    @Test
    @Order(3)
    void answersDroppedOnTheirWayBackAreReSentAndAppliedOnce() throws Exception {
        Fleet fleet = new Fleet(cluster, "dropped-answers", form.devices());
        TcpProxy front = cluster.front();
        Fleet.Run run = fleet.start(() -> cluster.viaFront("/api/v1/sync/push"), form.opsPerPush(), form.pause());
        Thread.sleep(1000);
        front.dropAnswers();
        Thread.sleep(form.dropFor().toMillis());
        front.pass();
        long healed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> run.acknowledgedSince(healed));
        Thread.sleep(1000);
        run.stop();
        assertThat(run.count(Fleet.CUT)).as("answers were dropped").isPositive();
        assertThat(run.duplicateAnswers()).as("re-sends answered from stored results").isPositive();
        verify("answers dropped", "every answer cut for " + form.dropFor().toSeconds() + " s at a proxy in front of "
                + "nginx (the pushes reached the nodes)", fleet, run, run.duplicateAnswers()
                + " re-sent pushes answered as duplicates");
    }

    @Test
    @Order(4)
    void aSlowDatabaseSlowsPushesButNeverAnswersWrongly() throws Exception {
        Fleet fleet = new Fleet(cluster, "slow-database", form.devices());
        Fleet.Run run = fleet.start(() -> cluster.balancer("/api/v1/sync/push"), form.opsPerPush(), form.pause());
        Thread.sleep(1000);
        long from = System.nanoTime();
        cluster.databaseLinks().forEach(p -> p.delay(form.slowMillis()));
        Thread.sleep(form.slowFor().toMillis());
        cluster.databaseLinks().forEach(p -> p.delay(0));
        long to = System.nanoTime();
        Thread.sleep(1000);
        run.stop();
        long slowOk = run.attempts().stream().filter(a -> a.start() >= from && a.start() < to && a.outcome() == 200)
                .count();
        double slowest = run.attempts().stream().filter(a -> a.start() >= from && a.start() < to
                && a.outcome() == 200).mapToDouble(Fleet.Attempt::seconds).max().orElse(0);
        assertThat(slowOk).as("pushes acknowledged while the database was slow").isPositive();
        verify("slow database", form.slowMillis() + " ms added to every chunk between both nodes and PostgreSQL, in "
                + "each direction, for " + form.slowFor().toSeconds() + " s", fleet, run, String.format(Locale.ROOT,
                "%d pushes acknowledged while slow, the slowest in %.2f s", slowOk, slowest));
    }

    @Test
    @Order(5)
    void whileTheDatabaseIsDownEveryRequestIsAnsweredPromptlyAndServiceReturns() throws Exception {
        Fleet fleet = new Fleet(cluster, "database-down", form.devices());
        Fleet.Run run = fleet.start(() -> cluster.balancer("/api/v1/sync/push"), form.opsPerPush(), form.pause());
        Thread.sleep(1000);
        long down = System.nanoTime();
        cluster.databaseLinks().forEach(TcpProxy::refuse);
        Thread.sleep(Math.min(2000, form.downFor().toMillis() / 2));
        HttpResponse<String> health = get(cluster.node(0, "/actuator/health"), cluster.adminToken("ops"));
        HttpResponse<String> pull = get(cluster.balancer("/api/v1/sync/pull?deviceId=dev-0"),
                cluster.token(fleet.tenant, "nurse-0"));
        Thread.sleep(form.downFor().toMillis() - Math.min(2000, form.downFor().toMillis() / 2));
        cluster.databaseLinks().forEach(TcpProxy::pass);
        long back = System.nanoTime();
        double[] serviceBack = {untilServing(0, back), untilServing(1, back)};
        await().atMost(Duration.ofSeconds(30)).until(() -> run.acknowledgedSince(back));
        double recovery = run.firstSuccessAfter(back);
        Thread.sleep(1000);
        run.stop();

        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("\"DOWN\"").contains("\"database\"").contains("reason");
        assertThat(pull.statusCode()).isEqualTo(503);
        assertThat(pull.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .contains("application/problem+json"));
        assertThat(pull.headers().firstValue("Retry-After")).isPresent();
        assertThat(run.count(503)).as("pushes refused with 503 during the outage").isPositive();
        double longest = run.longestAnswer(down, back);
        assertThat(longest).as("the longest wait for an answer during the outage, in seconds").isLessThan(3.0);
        assertThat(run.count(Fleet.NO_ANSWER)).as("requests without an answer").isZero();
        assertThat(Math.max(serviceBack[0], serviceBack[1])).as("seconds from the database's return to both nodes' first 200")
                .isLessThanOrEqualTo(2.0);
        verify("database down", "every connection from both nodes to PostgreSQL cut and refused for "
                + form.downFor().toSeconds() + " s", fleet, run, String.format(Locale.ROOT, "longest answer during "
                + "the outage %.2f s; nodes serving again %.2f s and %.2f s after the database's return (a request "
                + "every 50 ms); the devices' first push acknowledged after %.2f s (they wait out Retry-After)",
                longest, serviceBack[0], serviceBack[1], recovery));
    }

    @Test
    @Order(6)
    void aNodeCutOffFromTheDatabaseAnswersPromptlyWhileTheOtherServes() throws Exception {
        Fleet fleet = new Fleet(cluster, "node-partitioned", form.devices());
        Fleet.Run run = fleet.start(() -> cluster.balancer("/api/v1/sync/push"), form.opsPerPush(), form.pause());
        Thread.sleep(1000);
        TcpProxy link = cluster.databaseLinks().get(0);
        long cut = System.nanoTime();
        link.blackhole(); // node 1's packets to and from PostgreSQL held: its connections stay open and go silent
        Thread.sleep(Math.min(3000, form.downFor().toMillis() / 2));
        HttpResponse<String> health = get(cluster.node(0, "/actuator/health"), cluster.adminToken("ops"));
        HttpResponse<String> pull = get(cluster.node(0, "/api/v1/sync/pull?deviceId=dev-0"),
                cluster.token(fleet.tenant, "nurse-0"));
        HttpResponse<String> other = get(cluster.node(1, "/api/v1/sync/pull?deviceId=dev-0"),
                cluster.token(fleet.tenant, "nurse-0"));
        Thread.sleep(form.downFor().toMillis() - Math.min(3000, form.downFor().toMillis() / 2));
        long healed = System.nanoTime();
        link.pass();
        double back = untilServing(0, healed);
        Thread.sleep(1000);
        run.stop();

        assertThat(health.statusCode()).as("node 1's health while cut off").isEqualTo(503);
        assertThat(health.body()).contains("\"DOWN\"").contains("\"database\"");
        assertThat(pull.statusCode()).as("node 1 refuses what needs the database").isEqualTo(503);
        assertThat(pull.headers().firstValue("Retry-After")).isPresent();
        assertThat(other.statusCode()).as("node 2 keeps its database and serves").isEqualTo(200);
        long servedDuring = run.attempts().stream().filter(a -> a.start() >= cut && a.end() < healed
                && a.outcome() == 200).count();
        assertThat(servedDuring).as("pushes acknowledged (by node 2) while node 1 was cut off").isPositive();
        assertThat(run.count(Fleet.NO_ANSWER)).as("requests without an answer").isZero();
        // requests already waiting on node 1's silent connections when the link went quiet wait out the JDBC
        // socket timeout (2 s, application.yml), then nginx hands them to node 2; every request after the node knows
        // (about 1 s) is refused at once and handed over
        double longestLater = run.longestAnswer(cut + Duration.ofSeconds(2).toNanos(), healed);
        assertThat(longestLater).as("the longest answer once node 1 knew, in seconds").isLessThan(3.0);
        double longest = run.longestAnswer(cut, healed);
        assertThat(longest).as("the longest answer, a push caught mid-statement included, in seconds")
                .isLessThan(4.0);
        verify("node cut off from the database", "packets between node 1 and PostgreSQL held (black-holed, not "
                + "refused) for " + form.downFor().toSeconds() + " s; node 2 kept its database", fleet, run,
                String.format(Locale.ROOT, "%d pushes acknowledged during the cut; longest answer %.2f s (%.2f s for "
                + "requests started 2 s or more into it); node 1 serving again %.2f s after the heal", servedDuring,
                longest, longestLater, back));
    }

    @Test
    @Order(7)
    void aNodeKilledMidPushLosesNothingAcknowledged() throws Exception {
        Fleet fleet = new Fleet(cluster, "node-killed", form.devices());
        Fleet.Run run = fleet.start(() -> cluster.balancer("/api/v1/sync/push"), form.opsPerPush(), form.pause());
        Thread.sleep(form.loadAroundKill().toMillis());
        long killed = System.nanoTime();
        cluster.kill(0);
        Thread.sleep(form.loadAroundKill().toMillis());
        assertThat(run.acknowledgedSince(killed + Duration.ofSeconds(1).toNanos()))
                .as("node 2 carries the load while node 1 is dead").isTrue();
        double restart = cluster.restart(0);
        Thread.sleep(1000);
        run.stop();
        // the restarted node answers by itself
        Fleet after = new Fleet(cluster, "after-restart", 1);
        BenchDevice d = after.devices.get(0);
        BenchDevice.Push push = d.push(form.opsPerPush(), 0);
        PushBenchmark.check(d, push, send(d, cluster.node(0, "/api/v1/sync/push"), push));
        verify("node killed mid-push", "kill -9 of node 1 under load through nginx, restarted "
                + form.loadAroundKill().toSeconds() + " s later", fleet, run, String.format(Locale.ROOT,
                "node 1 healthy again %.1f s after its restart", restart));
    }

    @Test
    @Order(8)
    void rateLimitsArePerNode() throws Exception {
        // sync.rate-limit (600 per minute, burst 100 by default) is a token bucket in each node's memory
        String token = cluster.token("rate-limits", "one-user");
        int first = acceptedUntilLimited(cluster.node(0, "/api/v1/sync/status?deviceId=t-1"), token);
        int second = acceptedUntilLimited(cluster.node(1, "/api/v1/sync/status?deviceId=t-1"), token);
        assertThat(first).as("node 1 limits the user").isBetween(100, 140);
        assertThat(second).as("node 2 keeps its own bucket for the same user").isBetween(100, 140);
        report.note("Rate limits are per node: one user got " + first + " requests through node 1 and then "
                + second + " more through node 2 before each answered 429 (burst 100 per node).");
    }

    @Test
    @Order(9)
    void theJavaSdkRidesOutABlackholedNetwork() throws Exception {
        TcpProxy front = cluster.front();
        try (SdkFleet sdks = new SdkFleet(cluster, "sdk-blackhole", 2, cluster.viaFront("/api/v1"),
                cluster.dir().resolve("sdk-blackhole"))) {
            sdks.startWriting(Duration.ofMillis(50));
            Thread.sleep(1500);
            front.blackhole();
            long from = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).until(() -> sdks.reported(SyncStatus.State.OFFLINE,
                    SyncStatus.State.ERROR));
            double noticed = (System.nanoTime() - from) / 1e9;
            Thread.sleep(Math.max(0, form.blackholeFor().toMillis() - (System.nanoTime() - from) / 1_000_000));
            front.pass();
            long healed = System.nanoTime();
            Thread.sleep(1000);
            sdks.stopWriting();
            sdks.awaitDrained(Duration.ofSeconds(60));
            double drained = (System.nanoTime() - healed) / 1e9;
            long records = sdks.verify(cluster.database(), cluster, FEED_DEADLINE);
            report.add("Java SDK, network black-holed", "packets between 2 SDK clients and nginx held for "
                    + form.blackholeFor().toSeconds() + " s (connections open, nothing answered) while they wrote",
                    sdkVerdict(sdks, records), null, String.format(Locale.ROOT, "states seen %s; offline noticed "
                    + "%.1f s into the blackhole; queues drained %.1f s after the heal", sdks.states(), noticed,
                    drained));
        }
    }

    @Test
    @Order(10)
    void theJavaSdkRidesOutARestartOfEveryNode() throws Exception {
        try (SdkFleet sdks = new SdkFleet(cluster, "sdk-restart", 2, cluster.balancer("/api/v1"),
                cluster.dir().resolve("sdk-restart"))) {
            sdks.startWriting(Duration.ofMillis(50));
            Thread.sleep(1500);
            cluster.kill(0);
            cluster.kill(1);
            long from = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).until(() -> sdks.reported(SyncStatus.State.ERROR,
                    SyncStatus.State.OFFLINE));
            List<Double> starts = restartBoth();
            long back = System.nanoTime();
            Thread.sleep(1000);
            sdks.stopWriting();
            sdks.awaitDrained(Duration.ofSeconds(60));
            double drained = (System.nanoTime() - back) / 1e9;
            long records = sdks.verify(cluster.database(), cluster, FEED_DEADLINE);
            report.add("Java SDK, every node restarted", "kill -9 of both nodes while 2 SDK clients wrote and "
                    + "synced, then both started again", sdkVerdict(sdks, records), null, String.format(Locale.ROOT,
                    "states seen %s; nodes healthy again %.1f s and %.1f s after their restart (%.1f s without a "
                    + "node); queues drained %.1f s after", sdks.states(), starts.get(0), starts.get(1),
                    (back - from) / 1e9, drained));
        }
    }

    // -------------------------------------------------------------------------------------------------- helpers

    private List<Double> restartBoth() throws Exception {
        var other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return cluster.restart(1);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        double first = cluster.restart(0);
        return List.of(first, other.join());
    }

    private static RecordSet.Verdict sdkVerdict(SdkFleet sdks, long records) {
        // verify() failed the test on any loss or double; what is left to report is the count
        return new RecordSet.Verdict(sdks.writes(), records, 0, 0, 0, 0, 2, 2, null);
    }

    private void verify(String scenario, String fault, Fleet fleet, Fleet.Run run, String timings) throws Exception {
        RecordSet.Verdict v = RecordSet.check(cluster.database(), fleet, cluster::balancer, FEED_DEADLINE);
        report.add(scenario, fault, v, run, timings);
        assertThat(v.sound()).as(scenario + ": " + v).isTrue();
        assertThat(v.ops()).isPositive();
    }

    private static HttpResponse<String> send(BenchDevice d, URI uri, BenchDevice.Push push) throws Exception {
        return d.http.send(d.pushRequest(uri, push, Duration.ofSeconds(30)), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(URI uri, String token) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Seconds from {@code since} (nanoTime) until node {@code i} answers a request that needs the database. */
    private double untilServing(int i, long since) throws Exception {
        URI status = cluster.node(i, "/api/v1/sync/pull?deviceId=recovery-probe-" + i + "&limit=1");
        String token = cluster.token("database-down", "recovery-probe-" + i);
        String last = "no answer";
        while (System.nanoTime() - since < Duration.ofSeconds(30).toNanos()) {
            HttpResponse<String> r = get(status, token);
            if (r.statusCode() == 200) return (System.nanoTime() - since) / 1e9;
            last = r.statusCode() + " " + r.body();
            Thread.sleep(50);
        }
        throw new AssertionError("node " + (i + 1) + " not serving 30 s after the database's return: " + last);
    }

    private static int acceptedUntilLimited(URI uri, String token) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build();
        for (int accepted = 0; accepted < 1000; accepted++) {
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 429) return accepted;
            assertThat(status).isEqualTo(200);
        }
        throw new AssertionError("no 429 after 1000 requests");
    }

    /** A stream's lines as they arrive ("status:200" first), read on a daemon thread. */
    private static List<String> subscribe(URI base, String token, String deviceId) {
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/sync/stream?deviceId=" + deviceId))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build();
        Thread reader = new Thread(() -> {
            try {
                HttpResponse<Stream<String>> r = http.send(request, HttpResponse.BodyHandlers.ofLines());
                lines.add("status:" + r.statusCode());
                r.body().forEach(lines::add);
            } catch (Exception e) {
                lines.add("error:" + e);
            }
        }, "stream-" + deviceId);
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
