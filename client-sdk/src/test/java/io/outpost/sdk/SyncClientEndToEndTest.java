package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.sdk.internal.SyncEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The SDK against the real server (embedded PostgreSQL) in this JVM: what the field apps rely on, device by device.
 * Each test has its own tenant and store folders; triggers are off unless the test is about them, so every sync
 * happens where the test says.
 */
class SyncClientEndToEndTest extends EndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyncClient device(String name, String user) {
        return device(name, user, b -> b);
    }

    private SyncClient device(String name, String user, UnaryOperator<SyncClient.Builder> more) {
        SyncClient client = more.apply(builder(name, user)).build();
        open.add(client);
        return client;
    }

    private SyncClient.Builder builder(String name, String user) {
        return SyncClient.builder()
                .baseUri(server.baseUri())
                .tokenProvider(TokenProvider.of(server.token(tenant, user)))
                .storeDirectory(dir.resolve(name))
                .user(user)
                .collection("notes")
                .collection("merge_notes")
                .collection("manual_notes")
                .collection("dispenses")
                .collection("products")
                .collection("appointments", CollectionOptions.serverIds())
                .collection("visits", CollectionOptions.defaults().reference("appointmentId", "appointments"))
                .syncOnStart(false)
                .syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300));
    }

    private void close(SyncClient client) {
        open.remove(client);
        client.close();
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /**
     * Syncs until {@code done} holds: another device's push reaches a pull once the server's change feed has
     * processed it (milliseconds, but not at once).
     */
    private static void syncUntil(SyncClient client, java.util.function.Predicate<SyncClient> done) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            syncOk(client);
            return done.test(client);
        });
    }

    private static java.util.function.Predicate<SyncClient> has(String collection, String id) {
        return c -> c.records(collection).get(id).isPresent();
    }

    private static java.util.function.Predicate<SyncClient> hasVersion(String collection, String id, long version) {
        return c -> c.records(collection).get(id).map(r -> r.version() == version).orElse(false);
    }

    @Test
    void twoDevicesEditOfflineSyncAndConverge() {
        SyncClient a = device("a", "nurse-a");
        SyncClient b = device("b", "nurse-b");
        a.records("merge_notes").create("n-1", json("{\"title\":\"Ward 3\",\"body\":\"check fluids\"}"));
        syncOk(a);
        syncUntil(b, has("merge_notes", "n-1"));

        a.records("merge_notes").update("n-1", json("{\"title\":\"Ward 3 (east)\"}"));
        b.records("merge_notes").update("n-1", json("{\"body\":\"check fluids at 14:00\"}"));
        assertThat(a.status().pendingOps()).isEqualTo(1);
        assertThat(syncOk(a).applied()).isEqualTo(1);
        SyncResult bResult = syncOk(b);
        assertThat(bResult.merged()).isEqualTo(1);
        syncUntil(a, hasVersion("merge_notes", "n-1", 3));

        LocalRecord onA = a.records("merge_notes").get("n-1").orElseThrow();
        LocalRecord onB = b.records("merge_notes").get("n-1").orElseThrow();
        assertThat(onA.data()).isEqualTo(json("{\"title\":\"Ward 3 (east)\",\"body\":\"check fluids at 14:00\"}"));
        assertThat(onB.data()).isEqualTo(onA.data());
        assertThat(onA.version()).isEqualTo(3).isEqualTo(onB.version());
        assertThat(onA.pending()).isFalse();
        assertThat(a.status().pendingOps()).isZero();
        assertThat(b.status().pendingOps()).isZero();
    }

    @Test
    void twoDevicesDecrementOneCounterOfflineAndBothLand() {
        SyncClient a = device("a", "till-a");
        SyncClient b = device("b", "till-b");
        a.records("products").create("sku-1", Map.of("name", "Rice", "stock", 10));
        syncOk(a);
        syncUntil(b, has("products", "sku-1"));

        a.records("products").increment("sku-1", Map.of("stock", -2));
        b.records("products").increment("sku-1", Map.of("stock", -3));
        assertThat(a.records("products").get("sku-1").orElseThrow().data().path("stock").asLong()).isEqualTo(8);
        SyncResult fromA = syncOk(a);
        SyncResult fromB = syncOk(b);
        assertThat(fromA.applied() + fromB.applied()).isEqualTo(2);
        assertThat(fromA.conflicts() + fromB.conflicts()).as("increments never conflict").isZero();
        assertThat(b.records("products").get("sku-1").orElseThrow().data().path("stock").asLong())
                .as("b's answer carries a's decrement too").isEqualTo(5);
        syncUntil(a, c -> c.records("products").get("sku-1").orElseThrow().data().path("stock").asLong() == 5);
        syncOk(a);
        syncOk(b);
        assertThat(a.records("products").get("sku-1").orElseThrow().data().path("stock").asLong())
                .as("after more syncs: still each delta once").isEqualTo(5);
        assertThat(b.records("products").get("sku-1").orElseThrow().data().path("stock").asLong()).isEqualTo(5);
        assertThat(a.pendingOps()).isEmpty();
    }

    @Test
    void aTransactionLandsWholeOrNotAtAllAndFailsAsOneUnit() {
        // the server's rejection is under test: the SDK's own check would refuse the bad dispense before queueing
        SyncClient a = device("a", "till-a", x -> x.localChecks(false));
        a.records("products").create("sku-1", Map.of("name", "Rice", "stock", 10));
        syncOk(a);
        a.transaction(tx -> {
            tx.records("notes").create("sale-1", Map.of("total", 2));
            tx.records("products").increment("sku-1", Map.of("stock", -2));
        });
        assertThat(a.pendingOps()).hasSize(2).allSatisfy(op -> assertThat(op.group()).isPresent());
        SyncResult sold = syncOk(a);
        assertThat(sold.applied()).isEqualTo(2);
        assertThat(a.records("products").get("sku-1").orElseThrow().data().path("stock").asLong()).isEqualTo(8);

        // a dispense missing its required fields fails the server's schema: the sale line is not applied either
        a.transaction(tx -> {
            tx.records("products").increment("sku-1", Map.of("stock", -1));
            tx.records("dispenses").create("d-bad", Map.of("notes", "no medication"));
        });
        SyncResult failed = syncOk(a);
        assertThat(failed.rejected()).isEqualTo(2);
        assertThat(a.failedOps()).hasSize(2).extracting(op -> op.error().orElseThrow().code())
                .containsExactly("group_failed", "validation_failed");
        assertThat(a.records("products").get("sku-1").orElseThrow().data().path("stock").asLong())
                .as("the group's increment is not counted").isEqualTo(8);
        a.discard(a.failedOps().get(0).opId());
        assertThat(a.failedOps()).as("discarded as one unit").isEmpty();
        syncOk(a);
        SyncClient b = device("b", "till-b");
        syncUntil(b, has("products", "sku-1"));
        assertThat(b.records("products").get("sku-1").orElseThrow().data().path("stock").asLong()).isEqualTo(8);
        assertThat(b.records("dispenses").get("d-bad")).isEmpty();
    }

    /** Every sync reports the device's queue with its pull; admins see it in the fleet list (GET /admin/devices). */
    @Test
    void aSyncReportsTheQueueLeftToTheServer() throws Exception {
        SyncClient a = device("a", "nurse-a");
        a.records("notes").create("n-1", Map.of("title", "sent"));
        syncOk(a);
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUri() + "/admin/devices"))
                        .header("Authorization", "Bearer " + server.token(tenant, "boss",
                                io.outpost.api.security.Role.ADMIN)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode devices = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.body()).path("devices");
        assertThat(devices).hasSize(1);
        assertThat(devices.get(0).path("deviceId").asText()).isEqualTo(a.deviceId());
        assertThat(devices.get(0).path("pendingOps").isNumber()).as(r.body()).isTrue();
        assertThat(devices.get(0).path("pendingOps").asLong()).isZero();
    }

    @Test
    void aRevokedDeviceWipesItsStoreAndGoesOnAsANewDevice() throws Exception {
        SyncClient a = device("a", "nurse-a");
        a.records("notes").create("n-1", Map.of("title", "on the server"));
        syncOk(a);
        a.records("notes").create("n-2", Map.of("title", "never sent"));
        String revoked = a.deviceId();
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.baseUri() + "/admin/devices/"
                                + revoked + "/revoke"))
                        .header("Authorization", "Bearer " + server.token(tenant, "boss",
                                io.outpost.api.security.Role.ADMIN))
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);

        SyncResult refused = a.syncNow();
        assertThat(refused.error()).hasValueSatisfying(e -> assertThat(e.code()).contains("device_revoked"));
        assertThat(a.records("notes").list()).as("nothing of the revoked device stays readable").isEmpty();
        assertThat(a.pendingOps()).isEmpty();
        assertThat(a.deviceId()).isNotEqualTo(revoked);

        syncOk(a); // the user goes on as a new device: the server's data comes back, the unsent change does not
        assertThat(a.records("notes").get("n-1")).isPresent();
        assertThat(a.records("notes").get("n-2")).isEmpty();
    }

    @Test
    void recordsWrittenAsMapsReachTheServerAsJson() {
        SyncClient a = device("a", "nurse-a");
        SyncClient b = device("b", "nurse-b");
        a.records("notes").create("n-1", Map.of("title", "Ward 3", "beds", 12, "tags", List.of("east", "icu")));
        java.util.Map<String, Object> patch = new java.util.HashMap<>();
        patch.put("beds", 14);
        patch.put("tags", null); // a merge patch's removal
        a.records("notes").update("n-1", patch);
        syncOk(a);
        syncUntil(b, has("notes", "n-1"));
        assertThat(b.records("notes").get("n-1").orElseThrow().data())
                .isEqualTo(json("{\"title\":\"Ward 3\",\"beds\":14}"));
    }

    @Test
    void staleEditReachesTheConflictHandlerAndTheRecordShowsTheServerState() {
        List<Conflict> seen = new CopyOnWriteArrayList<>();
        SyncClient a = device("a", "nurse-a");
        SyncClient b = device("b", "nurse-b", x -> x.conflictHandler(c -> {
            seen.add(c);
            return ConflictHandler.Decision.KEEP_SERVER;
        }));
        a.records("notes").create("n-1", json("{\"title\":\"first\"}"));
        syncOk(a);
        syncUntil(b, has("notes", "n-1"));
        a.records("notes").update("n-1", json("{\"title\":\"from a\"}"));
        syncOk(a);
        b.records("notes").update("n-1", json("{\"title\":\"from b\"}"));

        SyncResult result = syncOk(b);

        assertThat(result.conflicts()).isEqualTo(1);
        assertThat(seen).singleElement().satisfies(c -> {
            assertThat(c.collection()).isEqualTo("notes");
            assertThat(c.id()).isEqualTo("n-1");
            assertThat(c.baseVersion()).isEqualTo(1);
            assertThat(c.serverVersion()).isEqualTo(2);
            assertThat(c.serverData()).isEqualTo(json("{\"title\":\"from a\"}"));
            assertThat(c.localAttempt()).isEqualTo(json("{\"title\":\"from b\"}"));
            assertThat(c.conflictId()).isEmpty();
            assertThat(c.reason()).contains("stale");
        });
        LocalRecord onB = b.records("notes").get("n-1").orElseThrow();
        assertThat(onB.data()).isEqualTo(json("{\"title\":\"from a\"}"));
        assertThat(onB.version()).isEqualTo(2);
        assertThat(b.conflictedOps()).isEmpty();
        assertThat(b.status().pendingOps()).isZero();
    }

    @Test
    void handlerCanReapplyTheLocalChangeOnTheServersVersion() {
        SyncClient a = device("a", "nurse-a");
        SyncClient b = device("b", "nurse-b", x -> x.conflictHandler(c -> ConflictHandler.Decision.REAPPLY_LOCAL));
        a.records("notes").create("n-1", json("{\"title\":\"first\",\"ward\":3}"));
        syncOk(a);
        syncUntil(b, has("notes", "n-1"));
        a.records("notes").update("n-1", json("{\"ward\":4}"));
        syncOk(a);
        b.records("notes").update("n-1", json("{\"title\":\"from b\"}"));

        SyncResult result = syncOk(b);

        assertThat(result.conflicts()).isEqualTo(1);
        assertThat(result.applied()).isEqualTo(1); // the re-applied op, in the same sync
        assertThat(b.records("notes").get("n-1").orElseThrow().data())
                .isEqualTo(json("{\"title\":\"from b\",\"ward\":4}"));
        syncUntil(a, hasVersion("notes", "n-1", 3));
    }

    @Test
    void rejectedOpLandsInTheFailedListAndTheRecordReturnsToTheServersState() {
        // the server's rejection is under test (the SDK's own check would refuse the update before queueing it)
        SyncClient a = device("a", "pharmacist", x -> x.localChecks(false));
        a.records("dispenses").create("d-1", json("{\"patient\":\"p-1\",\"drug\":\"amoxicillin\",\"dose\":250}"));
        syncOk(a);
        a.records("dispenses").update("d-1", json("{\"dose\":-5}"));
        assertThat(a.records("dispenses").get("d-1").orElseThrow().data().get("dose").asInt()).isEqualTo(-5);

        SyncResult result = syncOk(a);

        assertThat(result.rejected()).isEqualTo(1);
        assertThat(a.failedOps()).singleElement().satisfies(op -> {
            assertThat(op.state()).isEqualTo(OpState.FAILED);
            assertThat(op.error()).get().satisfies(e -> {
                assertThat(e.code()).isEqualTo("validation_failed");
                assertThat(e.fields()).extracting(OperationError.FieldError::field).anyMatch(f -> f.contains("dose"));
            });
        });
        assertThat(a.records("dispenses").get("d-1").orElseThrow().data().get("dose").asInt()).isEqualTo(250);
        assertThat(a.status().failedOps()).isEqualTo(1);
        assertThat(a.status().pendingOps()).isZero();

        // edit and re-queue: a new op that the server accepts
        long failed = a.failedOps().get(0).opId();
        assertThat(a.requeue(failed, json("{\"dose\":500}"))).get().matches(opId -> opId > failed);
        assertThat(syncOk(a).applied()).isEqualTo(1);
        assertThat(a.failedOps()).isEmpty();
        LocalRecord d = a.records("dispenses").get("d-1").orElseThrow();
        assertThat(d.data().get("dose").asInt()).isEqualTo(500);
        assertThat(d.version()).isEqualTo(2);
    }

    @Test
    void serverAssignedIdReplacesTheTempIdInTheRecordAndInAPendingReference() {
        SyncClient a = device("a", "reception", x -> x.pushBatchSize(1)); // the visit is still queued when the id arrives
        List<DataChange> changes = new CopyOnWriteArrayList<>();
        a.onChange("appointments", changes::add);
        LocalRecord appointment = a.records("appointments").create(json("{\"title\":\"Checkup\"}"));
        assertThat(appointment.temporaryId()).isTrue();
        a.records("visits").create("v-1", json("{\"appointmentId\":\"" + appointment.id() + "\",\"room\":2}"));

        SyncResult result = syncOk(a);

        assertThat(result.applied()).isEqualTo(2);
        List<LocalRecord> appointments = a.records("appointments").list();
        assertThat(appointments).singleElement().satisfies(r -> {
            assertThat(r.temporaryId()).isFalse();
            assertThat(r.id()).matches("[0-9]+");
        });
        String realId = appointments.get(0).id();
        assertThat(a.records("appointments").get(appointment.id())).isEmpty();
        // issue 20.6: the change event carries the mapping, so an app holding the temporary id can follow it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> changes.stream()
                .anyMatch(c -> realId.equals(c.replacedIds().get(appointment.id()))));
        assertThat(a.records("visits").get("v-1").orElseThrow().data().get("appointmentId").asText()).isEqualTo(realId);

        SyncClient b = device("b", "vet");
        syncUntil(b, has("visits", "v-1"));
        assertThat(b.records("visits").get("v-1").orElseThrow().data().get("appointmentId").asText()).isEqualTo(realId);
        assertThat(b.records("appointments").get(realId)).isPresent();
    }

    @Test
    void twoUsersOnOneInstallKeepSeparateStoresQueuesAndDevices() {
        SyncClient alice = device("till", "alice");
        alice.records("notes").create("n-alice", json("{\"title\":\"float counted\"}"));
        SyncClient bob = alice.newBuilder().user("bob").tokenProvider(TokenProvider.of(server.token(tenant, "bob")))
                .build();
        open.add(bob);

        assertThat(bob.deviceId()).isNotEqualTo(alice.deviceId());
        assertThat(bob.storeFile()).isNotEqualTo(alice.storeFile()).hasParent(alice.storeFile().getParent());
        assertThat(bob.records("notes").list()).isEmpty();
        assertThat(bob.pendingOps()).isEmpty();
        SyncResult bobFirst = syncOk(bob); // not refused as "alice's device"
        assertThat(bobFirst.pushed()).isZero();

        assertThat(syncOk(alice).pushed()).isEqualTo(1);
        syncUntil(bob, has("notes", "n-alice")); // the tenant's record, now from the server
        LocalRecord seenByBob = bob.records("notes").get("n-alice").orElseThrow();
        assertThat(seenByBob.pending()).isFalse();
        assertThat(bob.pendingOps()).isEmpty();
    }

    @Test
    void aSecondClientOnTheSameStoreIsRefused() {
        SyncClient a = device("a", "nurse-a");
        assertThatThrownBy(() -> a.newBuilder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("open in another SyncClient");
    }

    @Test
    void crashBetweenPushAndLocalCommitLosesNothingAndAppliesNothingTwice() {
        class SimulatedCrash extends RuntimeException {
        }
        SyncClient crashing = device("a", "nurse-a", x -> x.hooks(new SyncEngine.Hooks() {
            @Override
            public void pushAnswered(List<Long> opIds) {
                throw new SimulatedCrash();
            }
        }));
        crashing.records("notes").create("n-1", json("{\"title\":\"one\"}"));
        crashing.records("notes").create("n-2", json("{\"title\":\"two\"}"));
        crashing.records("appointments").create(json("{\"title\":\"Checkup\"}"));
        assertThatThrownBy(crashing::syncNow).isInstanceOf(SimulatedCrash.class);
        close(crashing); // the server has the ops; the device never stored the answers

        SyncClient restarted = device("a", "nurse-a");
        assertThat(restarted.pendingOps()).hasSize(3).allMatch(op -> op.state() == OpState.PENDING);
        SyncResult result = syncOk(restarted);

        assertThat(result.applied()).isEqualTo(3); // answered as duplicates of the first push
        assertThat(restarted.pendingOps()).isEmpty();
        assertThat(restarted.records("appointments").list()).singleElement()
                .satisfies(r -> assertThat(r.temporaryId()).isFalse());
        SyncClient other = device("b", "nurse-b");
        syncUntil(other, c -> c.records("notes").list().size() == 2 && c.records("appointments").list().size() == 1);
        assertThat(other.records("notes").list()).hasSize(2).allMatch(r -> r.version() == 1);
        assertThat(other.records("appointments").list()).singleElement().satisfies(r -> {
            assertThat(r.version()).isEqualTo(1);
            assertThat(r.id()).isEqualTo(restarted.records("appointments").list().get(0).id());
        });
    }

    @Test
    void theLastSuccessfulSyncIsKeptAcrossARestart() {
        SyncClient a = device("a", "nurse-a");
        assertThat(a.status().lastSuccessAt()).isEmpty();
        syncOk(a);
        java.time.Instant at = a.status().lastSuccessAt().orElseThrow();
        close(a);

        assertThat(device("a", "nurse-a").status().lastSuccessAt()).contains(at);
    }

    @Test
    void autoSyncIntervalIsValidatedAndKeptAcrossARestart() {
        SyncClient a = device("a", "nurse-a");
        assertThat(a.autoSyncEnabled()).isFalse();
        assertThatThrownBy(() -> a.setAutoSync(true, 29)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 30 and 3600");
        assertThatThrownBy(() -> a.setAutoSync(true, 3601)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 30 and 3600");
        assertThat(a.autoSyncIntervalSeconds()).isEqualTo(300);

        a.setAutoSync(true, 60);
        close(a);
        SyncClient restarted = device("a", "nurse-a"); // the builder says off/300: the saved setting wins

        assertThat(restarted.autoSyncEnabled()).isTrue();
        assertThat(restarted.autoSyncIntervalSeconds()).isEqualTo(60);
    }

    @Test
    void aLocalWriteIsSyncedShortlyAfterWhenAutoSyncIsOn() {
        SyncClient a = device("a", "nurse-a", x -> x.autoSync(true, Duration.ofSeconds(3600)).syncOnStart(true)
                .syncAfterWrite(Duration.ofMillis(200)));
        await().atMost(Duration.ofSeconds(20)).until(() -> a.status().lastSuccessAt().isPresent()); // start pull

        a.records("notes").create("n-1", json("{\"title\":\"auto\"}"));

        await().atMost(Duration.ofSeconds(20)).until(() -> a.status().pendingOps() == 0);
        assertThat(a.records("notes").get("n-1").orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void aDeviceThatKeepsWritingStillSyncs() throws InterruptedException {
        SyncClient a = device("a", "nurse-a", x -> x.autoSync(true, Duration.ofSeconds(3600)).syncOnStart(true)
                .syncAfterWrite(Duration.ofMillis(300)));
        await().atMost(Duration.ofSeconds(20)).until(() -> a.status().lastSuccessAt().isPresent()); // start pull

        // a write every 50 ms, each sooner than the sync delay: the first write's sync must not be put off by them
        boolean syncedWhileWriting = false;
        for (int n = 1; n <= 400 && !syncedWhileWriting; n++) {
            a.records("notes").create("w-" + n, json("{\"title\":\"entry " + n + "\"}"));
            syncedWhileWriting = a.records("notes").get("w-1").orElseThrow().version() == 1;
            Thread.sleep(50);
        }
        assertThat(syncedWhileWriting).as("w-1 synced while the device kept writing").isTrue();
    }

    @Test
    void aServerPokeMakesALiveClientPull() {
        SyncClient a = device("a", "nurse-a");
        SyncClient live = device("b", "nurse-b", x -> x.autoSync(true, Duration.ofSeconds(3600)).liveUpdates(true)
                .syncOnStart(true));
        await().atMost(Duration.ofSeconds(20)).until(() -> live.status().lastSuccessAt().isPresent());

        a.records("notes").create("n-1", json("{\"title\":\"pushed elsewhere\"}"));
        syncOk(a);

        await().atMost(Duration.ofSeconds(20)).until(() -> live.records("notes").get("n-1").isPresent());
    }

    @Test
    void parkedConflictStaysOpenAndIsResolvedThroughTheConflictsApi() {
        SyncClient a = device("a", "nurse-a");
        SyncClient b = device("b", "nurse-b");
        a.records("manual_notes").create("n-1", json("{\"title\":\"first\"}"));
        syncOk(a);
        syncUntil(b, has("manual_notes", "n-1"));
        a.records("manual_notes").update("n-1", json("{\"title\":\"from a\"}"));
        syncOk(a);
        b.records("manual_notes").update("n-1", json("{\"title\":\"from b\"}"));

        assertThat(syncOk(b).conflicts()).isEqualTo(1);

        assertThat(b.conflictedOps()).singleElement()
                .satisfies(op -> assertThat(op.conflict()).get().satisfies(c -> assertThat(c.conflictId()).isPresent()));
        assertThat(b.status().openConflicts()).isEqualTo(1);
        List<ServerConflict> onServer = b.conflicts();
        assertThat(onServer).singleElement().satisfies(c -> {
            assertThat(c.id()).isEqualTo("n-1");
            assertThat(c.clientData()).isEqualTo(json("{\"title\":\"from b\"}"));
        });

        b.resolve(onServer.get(0).conflictId(), Resolution.client());

        assertThat(b.conflictedOps()).isEmpty();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            syncOk(b);
            LocalRecord r = b.records("manual_notes").get("n-1").orElseThrow();
            assertThat(r.data()).isEqualTo(json("{\"title\":\"from b\"}"));
            assertThat(r.version()).isEqualTo(3);
        });
        assertThat(b.conflicts()).isEmpty();
        assertThatThrownBy(() -> b.resolve(onServer.get(0).conflictId(), Resolution.server()))
                .isInstanceOf(SyncException.class)
                .satisfies(e -> assertThat(((SyncException) e).error().status()).isEqualTo(409));
    }

    @Test
    void dataListenersHearLocalWritesAndPulledChanges() {
        SyncClient a = device("a", "nurse-a");
        List<DataChange> heard = new CopyOnWriteArrayList<>();
        SyncClient b = device("b", "nurse-b");
        try (Subscription ignored = b.onChange("notes", heard::add)) {
            b.records("notes").create("n-b", json("{\"title\":\"mine\"}"));
            await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains(
                    new DataChange("notes", java.util.Set.of("n-b"), DataChange.Origin.LOCAL)));
            a.records("notes").create("n-a", json("{\"title\":\"theirs\"}"));
            syncOk(a);
            syncUntil(b, has("notes", "n-a"));
            await().atMost(Duration.ofSeconds(5)).until(() -> heard.stream().anyMatch(c ->
                    c.origin() == DataChange.Origin.SYNC && (c.ids().contains("n-a") || c.ids().isEmpty())));
        }
        assertThat(b.records("notes").list()).extracting(LocalRecord::id).containsExactly("n-a", "n-b");
    }

    @Test
    void listFiltersOnATopLevelField() {
        SyncClient a = device("a", "nurse-a");
        a.records("notes").create("n-1", json("{\"ward\":3,\"urgent\":true,\"title\":\"a\"}"));
        a.records("notes").create("n-2", json("{\"ward\":4,\"urgent\":false,\"title\":\"b\"}"));
        a.records("notes").create("n-3", json("{\"ward\":3,\"urgent\":false}"));

        assertThat(a.records("notes").list(Filter.where("ward", 3))).extracting(LocalRecord::id)
                .containsExactly("n-1", "n-3");
        assertThat(a.records("notes").list(Filter.where("ward", 3).and("urgent", false))).extracting(LocalRecord::id)
                .containsExactly("n-3");
        assertThat(a.records("notes").list(Filter.where("title", null))).extracting(LocalRecord::id)
                .containsExactly("n-3");
        assertThat(a.records("notes").list(Filter.where("title", "b"))).extracting(LocalRecord::id)
                .containsExactly("n-2");
    }
}
