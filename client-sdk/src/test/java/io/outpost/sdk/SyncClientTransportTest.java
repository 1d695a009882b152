package io.outpost.sdk;

import static io.outpost.sdk.SyncClientEndToEndTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.sdk.FakeServer.Response;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the client behaves on the wire when things go wrong, against a scripted server: backoff after failures,
 * Retry-After, one token refresh after a 401, offline, gzip and batching, paging and reset.
 */
class SyncClientTransportTest {

    @TempDir
    Path dir;

    private FakeServer server;
    private SyncClient client;

    @BeforeEach
    void start() throws Exception {
        server = new FakeServer().on("sync/pull", FakeServer::emptyPull);
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    /** Holds the scripted server's answer a while (the test makes something happen meanwhile). */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private SyncClient client(UnaryOperator<SyncClient.Builder> more) {
        return client(server.baseUri(), more);
    }

    private SyncClient client(URI base, UnaryOperator<SyncClient.Builder> more) {
        client = more.apply(SyncClient.builder()
                .baseUri(base)
                .tokenProvider(TokenProvider.of("t"))
                .storeDirectory(dir)
                .collection("notes")
                .syncOnStart(false)
                .syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300))).build();
        return client;
    }

    @Test
    void aServerErrorIsRetriedWithBackoffUntilItAnswers() {
        AtomicInteger pushes = new AtomicInteger();
        server.on("sync/push", r -> pushes.incrementAndGet() <= 2
                ? Response.status(500, Map.of()) : FakeServer.applyAll(r));
        client(b -> b.autoSync(true, Duration.ofSeconds(3600)).backoff(Duration.ofMillis(50), Duration.ofMillis(200)));
        client.records("notes").create("n-1", json("{\"a\":1}"));

        SyncResult first = client.syncNow();

        assertThat(first.error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.SERVER);
        assertThat(first.failed()).isEqualTo(1);
        assertThat(client.pendingOps()).singleElement().extracting(QueuedOperation::state).isEqualTo(OpState.PENDING);
        // the push is answered before the same sync's pull ends: wait for the whole sync, not just the queue
        await().atMost(Duration.ofSeconds(10)).until(() -> client.status().pendingOps() == 0
                && client.status().state() == SyncStatus.State.IDLE);
        assertThat(pushes.get()).isEqualTo(3);
        assertThat(client.status().lastError()).isEmpty();
    }

    @Test
    void aSyncAskedForWhileAFailingOneRunsWaitsForTheBackoffsRetry() throws Exception {
        java.util.concurrent.CountDownLatch pushing = new java.util.concurrent.CountDownLatch(1);
        server.on("sync/push", r -> {
            pushing.countDown();
            pause(300); // the second syncNow() arrives while this push is under way
            return Response.status(500, Map.of());
        });
        client(b -> b.autoSync(true, Duration.ofSeconds(3600)).backoff(Duration.ofSeconds(20), Duration.ofSeconds(40)));
        client.records("notes").create("n-1", json("{\"a\":1}"));
        java.util.concurrent.CompletableFuture<SyncResult> first =
                java.util.concurrent.CompletableFuture.supplyAsync(client::syncNow);
        assertThat(pushing.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        SyncResult second = client.syncNow(); // would have been a second push at once

        assertThat(first.get(10, java.util.concurrent.TimeUnit.SECONDS).error()).get()
                .extracting(SyncError::kind).isEqualTo(SyncError.Kind.SERVER);
        assertThat(second.error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.SERVER);
        assertThat(server.requests("sync/push")).as("one push; the next attempt is the scheduled retry").hasSize(1);
        assertThat(client.status().nextAttemptAt()).isPresent();
    }

    @Test
    void syncNowCoversAWriteMadeWhileTheStartUpSyncRuns() throws InterruptedException {
        // the README's snippet: build (a start-up sync begins), create, syncNow
        java.util.concurrent.CountDownLatch pulling = new java.util.concurrent.CountDownLatch(1);
        server.on("sync/pull", r -> {
            pulling.countDown();
            pause(400); // the start-up sync is in its pull, its (empty) push already done
            return FakeServer.emptyPull(r);
        });
        server.on("sync/push", FakeServer::applyAll);
        client(b -> b.syncOnStart(true));
        assertThat(pulling.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        client.records("notes").create("n-1", json("{\"a\":1}"));

        SyncResult result = client.syncNow();

        assertThat(result.applied()).as("the write made before syncNow() was pushed by it").isEqualTo(1);
        assertThat(client.pendingOps()).isEmpty();
        assertThat(server.requests("sync/push")).hasSize(1);
    }

    @Test
    void anOpThatWasSentIsNeverChangedAfterwards() {
        // the first push gets a 500: the server may have applied it, so the op must go out again exactly as it was
        AtomicInteger pushes = new AtomicInteger();
        server.on("sync/push", r -> pushes.incrementAndGet() == 1 ? Response.status(500, Map.of())
                : FakeServer.applyAll(r));
        server.on("sync/pull", FakeServer::emptyPull);
        client(b -> b);
        client.records("notes").create("n-1", json("{\"a\":1}"));
        assertThat(client.syncNow().error()).isPresent();

        client.records("notes").update("n-1", json("{\"a\":2}"));
        client.records("notes").update("n-1", json("{\"b\":3}")); // joins the update above, which was never sent
        for (int i = 0; i < 5 && !client.pendingOps().isEmpty(); i++) client.syncNow();

        assertThat(client.pendingOps()).isEmpty();
        Map<Long, JsonNode> firstSent = new java.util.HashMap<>();
        for (FakeServer.Request push : server.requests("sync/push")) {
            for (JsonNode op : push.body().path("operations")) {
                JsonNode before = firstSent.putIfAbsent(op.path("opId").asLong(), op);
                if (before != null) assertThat(op).as("opId " + op.path("opId") + " re-sent").isEqualTo(before);
            }
        }
        assertThat(firstSent.values()).extracting(op -> op.path("type").asText() + " " + op.path("data"))
                .containsExactly("create {\"a\":1}", "update {\"a\":2,\"b\":3}");
        assertThat(client.records("notes").get("n-1").orElseThrow().data()).isEqualTo(json("{\"a\":2,\"b\":3}"));
    }

    @Test
    void retryAfterIsHonouredBeforeTheNextAttempt() {
        server.on("sync/push", r -> Response.status(429, Map.of("Retry-After", "120")));
        client(b -> b.autoSync(true, Duration.ofSeconds(3600)).backoff(Duration.ofMillis(50), Duration.ofMillis(200)));
        client.records("notes").create("n-1", json("{\"a\":1}"));

        SyncResult first = client.syncNow();

        assertThat(first.error()).get().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(SyncError.Kind.BUSY);
            assertThat(e.status()).isEqualTo(429);
        });
        assertThat(client.status().nextAttemptAt()).get()
                .matches(at -> at.isAfter(Instant.now().plusSeconds(100)), "about 120 s from now, not the 50 ms backoff");
        SyncResult second = client.syncNow(); // within the window: the server is not asked
        assertThat(second.error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.BUSY);
        assertThat(server.requests("sync/push")).hasSize(1);
        assertThat(client.pendingOps()).hasSize(1);
    }

    @Test
    void a401RefreshesTheTokenOnceAndRetries() {
        List<Boolean> asked = new CopyOnWriteArrayList<>();
        server.on("sync/push", r -> "Bearer fresh".equals(r.header("Authorization"))
                ? FakeServer.applyAll(r) : Response.status(401, Map.of("WWW-Authenticate", "Bearer")));
        server.on("sync/pull", r -> "Bearer fresh".equals(r.header("Authorization"))
                ? FakeServer.emptyPull(r) : Response.status(401, Map.of()));
        client(b -> b.tokenProvider(refresh -> {
            asked.add(refresh);
            return refresh ? "fresh" : "expired";
        }));
        client.records("notes").create("n-1", json("{\"a\":1}"));

        SyncResult result = client.syncNow();

        assertThat(result.error()).isEmpty();
        assertThat(result.applied()).isEqualTo(1);
        assertThat(asked).containsExactly(false, true);
        assertThat(server.requests("sync/push")).extracting(r -> r.header("Authorization"))
                .containsExactly("Bearer expired", "Bearer fresh");
    }

    @Test
    void a401AfterTheRefreshStopsWithAnErrorAndNoRetry() {
        List<Boolean> asked = new CopyOnWriteArrayList<>();
        server.on("sync/push", r -> Response.status(401, Map.of()));
        client(b -> b.autoSync(true, Duration.ofSeconds(3600)).tokenProvider(refresh -> {
            asked.add(refresh);
            return "revoked";
        }));
        client.records("notes").create("n-1", json("{\"a\":1}"));

        SyncResult result = client.syncNow();

        assertThat(result.error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.UNAUTHORIZED);
        assertThat(asked).containsExactly(false, true);
        assertThat(server.requests("sync/push")).hasSize(2);
        SyncStatus status = client.status();
        assertThat(status.state()).isEqualTo(SyncStatus.State.ERROR);
        assertThat(status.nextAttemptAt()).isEmpty();
        assertThat(status.pendingOps()).isEqualTo(1);
    }

    @Test
    void withoutAServerTheOpStaysPendingAndTheClientIsOffline() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        client(URI.create("http://127.0.0.1:" + closedPort + "/api/v1"),
                b -> b.autoSync(true, Duration.ofSeconds(3600)).backoff(Duration.ofSeconds(60), Duration.ofMinutes(5)));
        client.records("notes").create("n-1", json("{\"a\":1}"));

        SyncResult result = client.syncNow();

        assertThat(result.error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.OFFLINE);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(client.pendingOps()).singleElement().extracting(QueuedOperation::state).isEqualTo(OpState.PENDING);
        assertThat(client.failedOps()).isEmpty();
        SyncStatus status = client.status();
        assertThat(status.state()).isEqualTo(SyncStatus.State.OFFLINE);
        assertThat(status.nextAttemptAt()).isPresent(); // reconnect probe with backoff
        assertThat(client.records("notes").get("n-1")).get().matches(LocalRecord::pending);
    }

    @Test
    void pushesAreGzippedBatchesInOpIdOrder() {
        server.on("sync/push", FakeServer::applyAll);
        client(b -> b.pushBatchSize(2));
        for (int i = 1; i <= 5; i++) {
            client.records("notes").create("n-" + i, json("{\"i\":" + i + "}"));
        }

        SyncResult result = client.syncNow();

        assertThat(result.pushed()).isEqualTo(5);
        List<FakeServer.Request> pushes = server.requests("sync/push");
        assertThat(pushes).extracting(r -> r.body().path("operations").size()).containsExactly(2, 2, 1);
        assertThat(pushes).allSatisfy(r -> {
            assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
            assertThat(r.body().path("deviceId").asText()).isEqualTo(client.deviceId());
        });
        assertThat(pushes.stream().flatMap(r -> java.util.stream.StreamSupport.stream(
                r.body().path("operations").spliterator(), false)).map(op -> op.path("opId").asLong()).toList())
                .isSorted().doesNotHaveDuplicates().hasSize(5);
    }

    @Test
    void theNextPushGoesOutWhileAnswersAreStoredButNeverWithAnOpWhoseBaseVersionTheyHold() {
        AtomicInteger pushes = new AtomicInteger();
        server.on("sync/push", r -> {
            if (pushes.incrementAndGet() == 1) {
                return Response.status(500, Map.of()); // ops 1-3 are sent once: an edit of n-1 is an op of its own
            }
            Response applied = FakeServer.applyAll(r);
            return Response.json(applied.body().replace("{\"opId\":2,\"status\":\"applied\",\"collection\":\"notes\","
                    + "\"id\":\"n-2\",\"version\":1}", "{\"opId\":2,\"status\":\"conflict\",\"collection\":\"notes\","
                    + "\"id\":\"n-2\",\"version\":7,\"data\":{\"by\":\"server\"},\"conflict\":{\"strategy\":\"reject\","
                    + "\"fields\":[],\"reason\":\"exists\"}}"));
        });
        List<String> handled = new CopyOnWriteArrayList<>();
        client(b -> b.pushBatchSize(2).conflictHandler(c -> {
            // runs on the sync thread after the first batch's answers are stored: the next push is already out
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> server.requests("sync/push").size() >= 3);
                handled.add("the next push arrived meanwhile");
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                handled.add("no push meanwhile");
            }
            return ConflictHandler.Decision.KEEP_SERVER;
        }));
        for (int i = 1; i <= 3; i++) {
            client.records("notes").create("n-" + i, json("{\"i\":" + i + "}"));
        }
        assertThat(client.syncNow().error()).isPresent();
        client.records("notes").update("n-1", json("{\"i\":10}")); // op 4: on top of op 1, answered as version 1
        client.records("notes").create("n-4", json("{\"i\":4}")); // op 5

        SyncResult result = client.syncNow();

        assertThat(result.error()).isEmpty();
        assertThat(result.pushed()).isEqualTo(5);
        assertThat(result.applied()).isEqualTo(4);
        assertThat(handled).containsExactly("the next push arrived meanwhile");
        List<List<Long>> batches = server.requests("sync/push").stream().skip(1).map(r -> java.util.stream.StreamSupport
                .stream(r.body().path("operations").spliterator(), false).map(op -> op.path("opId").asLong())
                .toList()).toList();
        // the overlapped push ends before op 4 (its record was in the push being stored); op 4 waits for its answer
        assertThat(batches).containsExactly(List.of(1L, 2L), List.of(3L), List.of(4L, 5L));
        JsonNode op4 = server.requests("sync/push").get(3).body().path("operations").get(0);
        assertThat(op4.path("baseVersion").asLong()).as("the version op 1's answer gave").isEqualTo(1);
        assertThat(client.pendingOps()).isEmpty();
        assertThat(result.conflicts()).isEqualTo(1);
        assertThat(client.records("notes").get("n-1")).get()
                .satisfies(r -> assertThat(r.data().path("i").asInt()).isEqualTo(10));
    }

    @Test
    void pullFollowsHasMoreAndContinuesFromTheStoredCursor() {
        AtomicInteger page = new AtomicInteger();
        List<Long> progress = new CopyOnWriteArrayList<>();
        server.on("sync/pull", r -> switch (page.incrementAndGet()) {
            case 1 -> Response.json("{\"changes\":[{\"collection\":\"notes\",\"id\":\"a\",\"version\":1,"
                    + "\"deleted\":false,\"data\":{\"n\":1}}],\"cursor\":\"c1\",\"hasMore\":true,\"lastProcessedOpId\":0}");
            case 2 -> Response.json("{\"changes\":[{\"collection\":\"notes\",\"id\":\"b\",\"version\":2,"
                    + "\"deleted\":false,\"data\":{\"n\":2}}],\"cursor\":\"c2\",\"hasMore\":false,\"lastProcessedOpId\":0}");
            default -> Response.json("{\"changes\":[{\"collection\":\"notes\",\"id\":\"a\",\"version\":2,"
                    + "\"deleted\":true,\"data\":null}],\"cursor\":\"c3\",\"hasMore\":false,\"lastProcessedOpId\":0}");
        });
        client(b -> b.listener(s -> s.progress().ifPresent(p -> progress.add(p.done()))));

        assertThat(client.syncNow().pulled()).isEqualTo(2);
        assertThat(client.records("notes").list()).extracting(LocalRecord::id).containsExactly("a", "b");
        assertThat(client.syncNow().pulled()).isEqualTo(1);

        List<FakeServer.Request> pulls = server.requests("sync/pull");
        assertThat(pulls.get(0).query()).doesNotContain("cursor=").contains("collections=notes").contains("limit=1000");
        assertThat(pulls.get(1).query()).contains("cursor=c1");
        assertThat(pulls.get(2).query()).contains("cursor=c2");
        assertThat(client.records("notes").list()).extracting(LocalRecord::id).containsExactly("b"); // tombstone
        await().atMost(Duration.ofSeconds(5)).until(() -> progress.contains(1L));
    }

    @Test
    void aResetReplacesTheServerCopyAndKeepsLocalChanges() {
        AtomicInteger page = new AtomicInteger();
        server.on("sync/push", FakeServer::applyAll);
        server.on("sync/pull", r -> page.incrementAndGet() == 1
                ? Response.json("{\"changes\":[{\"collection\":\"notes\",\"id\":\"gone\",\"version\":1,\"data\":{}},"
                + "{\"collection\":\"notes\",\"id\":\"kept\",\"version\":1,\"data\":{\"v\":1}}],"
                + "\"cursor\":\"c1\",\"hasMore\":false,\"lastProcessedOpId\":0}")
                : Response.json("{\"changes\":[{\"collection\":\"notes\",\"id\":\"kept\",\"version\":5,"
                + "\"data\":{\"v\":5}}],\"cursor\":\"e2\",\"hasMore\":false,\"reset\":true,\"lastProcessedOpId\":0}"));
        client(b -> b);
        client.syncNow();
        client.records("notes").create("mine", json("{\"local\":true}"));

        SyncResult result = client.syncNow();

        assertThat(result.error()).isEmpty();
        assertThat(client.records("notes").list()).extracting(LocalRecord::id).containsExactly("kept", "mine");
        assertThat(client.records("notes").get("kept").orElseThrow().version()).isEqualTo(5);
        assertThat(server.requests("sync/pull").get(1).query()).contains("cursor=c1");
    }

    @Test
    void aSignInThatFindsNoServerIsOfflineAndARefusedOneIsUnauthorized() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        client(URI.create("http://127.0.0.1:" + closedPort + "/api/v1"),
                b -> b.credentials("pharmacist1", "secret").autoSync(true, Duration.ofSeconds(3600)));
        SyncResult offline = client.syncNow();
        assertThat(offline.error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.OFFLINE);
        assertThat(client.status().nextAttemptAt()).isPresent();
        client.close();

        server.on("auth/token", r -> Response.status(401, Map.of()));
        client(b -> b.credentials("pharmacist1", "wrong"));
        SyncResult refused = client.syncNow();
        assertThat(refused.error()).get().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(SyncError.Kind.UNAUTHORIZED);
            assertThat(e.message()).contains("refused: HTTP 401").doesNotContain("wrong");
        });
    }
}
