package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.outpost.api.security.Role;
import io.outpost.sdk.OperationError.FieldError;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Writes are checked against the server's rules (issue 20.2) before they are queued: the collections' JSON Schemas,
 * counters, append-only and canWrite as {@code GET /collections} of the real server gives them, with the server's
 * field paths; nothing of a refused write is written or queued; the rules are kept in the store for offline use and
 * refreshed by every sync.
 */
class LocalValidationTest extends EndToEndTest {

    private SyncClient device(String name, UnaryOperator<SyncClient.Builder> more) {
        SyncClient client = more.apply(SyncClient.builder()
                .baseUri(server.baseUri())
                .tokenProvider(TokenProvider.of(server.token(tenant, "pharmacist")))
                .storeDirectory(dir.resolve(name))
                .user("pharmacist")
                .collection("dispenses")
                .collection("inventory")
                .collection("stock_movements")
                .collection("notes")
                .syncOnStart(false)
                .syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300))).build();
        open.add(client);
        return client;
    }

    private SyncClient device(String name) {
        return device(name, b -> b);
    }

    private void close(SyncClient client) {
        open.remove(client);
        client.close();
    }

    /** A device that has synced once: it knows the server's rules. */
    private SyncClient syncedDevice(String name) {
        SyncClient client = device(name);
        syncOk(client);
        return client;
    }

    /** A server that is not there: a port that was free a moment ago. */
    private static URI nowhere() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/api/v1");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> fields(InvalidWriteException e) {
        return e.fields().stream().map(FieldError::field).toList();
    }

    @Test
    void anInvalidCreateIsRefusedAtOnceWithTheServersFieldPathsAndNothingIsQueued() {
        SyncClient a = syncedDevice("a");
        Map<String, Object> bad = Map.of("patient", "p-1", "dose", -5, "unit", "litre");

        InvalidWriteException e = catchThrowableOfType(() -> a.records("dispenses").create("d-1", bad),
                InvalidWriteException.class);

        assertThat(e.error().code()).isEqualTo("validation_failed");
        assertThat(e.collection()).isEqualTo("dispenses");
        assertThat(e.id()).isEqualTo("d-1");
        assertThat(fields(e)).containsExactly("dose", "drug", "unit");
        assertThat(e.getMessage()).contains("dose").contains("drug").contains("unit");
        assertThat(a.records("dispenses").get("d-1")).isEmpty();
        assertThat(a.pendingOps()).isEmpty();
        assertThat(a.status().pendingOps()).isZero();

        // the server, sent the same create by a device that does not check, names the same fields the same way
        SyncClient unchecked = device("b", x -> x.localChecks(false));
        unchecked.records("dispenses").create("d-1", bad);
        assertThat(syncOk(unchecked).rejected()).isEqualTo(1);
        OperationError byServer = unchecked.failedOps().get(0).error().orElseThrow();
        assertThat(byServer.code()).isEqualTo(e.error().code());
        assertThat(byServer.fields()).isEqualTo(e.fields());
    }

    @Test
    void nestedFieldsAreNamedAsTheServerNamesThem() {
        SyncClient a = syncedDevice("a");
        Map<String, Object> bad = Map.of("name", "Rice", "stock", 3,
                "lines", List.of(Map.of("sku", "s-1", "qty", 1), Map.of("qty", 1), Map.of("sku", 7, "qty", 0)));

        InvalidWriteException e = catchThrowableOfType(() -> a.records("inventory").create("i-1", bad),
                InvalidWriteException.class);

        SyncClient unchecked = device("b", x -> x.localChecks(false));
        unchecked.records("inventory").create("i-1", bad);
        assertThat(syncOk(unchecked).rejected()).isEqualTo(1);
        assertThat(fields(e)).isNotEmpty().allMatch(f -> f.startsWith("lines["));
        assertThat(e.fields()).isEqualTo(unchecked.failedOps().get(0).error().orElseThrow().fields());
    }

    @Test
    void anUpdateIsCheckedOnTheMergedRecordAndARefusedOneChangesNothing() {
        SyncClient a = syncedDevice("a");
        a.records("dispenses").create("d-1", Map.of("patient", "p-1", "drug", "amoxicillin", "dose", 250));
        syncOk(a);
        LocalRecord before = a.records("dispenses").get("d-1").orElseThrow();

        InvalidWriteException zero = catchThrowableOfType(() -> a.records("dispenses").update("d-1",
                Map.of("dose", 0)), InvalidWriteException.class);
        Map<String, Object> removeDrug = new HashMap<>();
        removeDrug.put("drug", null);
        InvalidWriteException removed = catchThrowableOfType(() -> a.records("dispenses").update("d-1", removeDrug),
                InvalidWriteException.class);

        assertThat(fields(zero)).containsExactly("dose");
        assertThat(fields(removed)).as("the patch alone is valid; the merged record lacks a required field")
                .containsExactly("drug");
        assertThat(a.records("dispenses").get("d-1")).contains(before);
        assertThat(a.pendingOps()).isEmpty();

        // a patch that is only valid on the merged record (it names no required field) passes and lands
        a.records("dispenses").update("d-1", Map.of("dose", 500));
        assertThat(a.pendingOps()).hasSize(1);
        assertThat(syncOk(a).applied()).isEqualTo(1);
    }

    @Test
    void anIncrementIsCheckedOnTheResultingRecord() {
        SyncClient a = syncedDevice("a");
        a.records("inventory").create("i-1", Map.of("name", "Rice", "stock", 2));
        syncOk(a);

        InvalidWriteException below = catchThrowableOfType(() -> a.records("inventory").increment("i-1",
                Map.of("stock", -3)), InvalidWriteException.class);
        InvalidWriteException notCounter = catchThrowableOfType(() -> a.records("inventory").increment("i-1",
                Map.of("stock", 1, "price", 2)), InvalidWriteException.class);

        assertThat(below.error().code()).isEqualTo("validation_failed");
        assertThat(fields(below)).containsExactly("stock");
        assertThat(notCounter.error().code()).isEqualTo("invalid_operation");
        assertThat(fields(notCounter)).containsExactly("price");
        assertThat(a.records("inventory").get("i-1").orElseThrow().data().path("stock").asInt()).isEqualTo(2);
        assertThat(a.pendingOps()).isEmpty();

        a.records("inventory").increment("i-1", Map.of("stock", -2));
        assertThat(a.records("inventory").get("i-1").orElseThrow().data().path("stock").asInt()).isZero();
        assertThat(syncOk(a).applied()).isEqualTo(1);
    }

    @Test
    void aRefusedWriteInATransactionLeavesTheWholeTransactionUnwritten() {
        SyncClient a = syncedDevice("a");

        assertThatThrownBy(() -> a.transaction(tx -> {
            tx.records("notes").create("n-1", Map.of("text", "sale"));
            tx.records("dispenses").create("d-1", Map.of("patient", "p-1"));
        })).isInstanceOf(InvalidWriteException.class);

        assertThat(a.records("notes").get("n-1")).isEmpty();
        assertThat(a.pendingOps()).isEmpty();
    }

    @Test
    void theRulesAreKeptInTheStoreAndCheckOfflineAfterARestart() {
        SyncClient first = syncedDevice("a");
        close(first);

        SyncClient offline = device("a", x -> x.baseUri(nowhere()).timeout(Duration.ofSeconds(2)));
        assertThatThrownBy(() -> offline.records("dispenses").create("d-1", Map.of("patient", "p-1", "dose", 1)))
                .isInstanceOfSatisfying(InvalidWriteException.class,
                        e -> assertThat(fields(e)).containsExactly("drug"));
        offline.records("dispenses").create("d-2", Map.of("patient", "p-1", "drug", "ibuprofen", "dose", 200));

        assertThat(offline.pendingOps()).extracting(QueuedOperation::id).containsExactly("d-2");
        assertThat(offline.syncNow().error()).get().extracting(SyncError::kind).isEqualTo(SyncError.Kind.OFFLINE);
    }

    @Test
    void withoutRulesFromTheServerWritesAreNotCheckedLocally() {
        SyncClient neverSynced = device("a", x -> x.baseUri(nowhere()).timeout(Duration.ofSeconds(2)));

        neverSynced.records("dispenses").create("d-1", Map.of("patient", "p-1", "dose", -1));

        assertThat(neverSynced.pendingOps()).hasSize(1);
    }

    @Test
    void theRulesAreFetchedWhenTheClientOpensOnline() {
        SyncClient a = device("a"); // syncOnStart off: the rules alone are fetched in the background

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                assertThatThrownBy(() -> a.records("dispenses").create("d-1", Map.of("patient", "p-1")))
                        .isInstanceOf(InvalidWriteException.class));
        assertThat(a.pendingOps()).isEmpty();
    }

    @Test
    void anAppendOnlyCollectionTakesCreatesOnly() {
        SyncClient a = syncedDevice("a");
        a.records("stock_movements").create("m-1", Map.of("sku", "s-1", "delta", -2));

        InvalidWriteException update = catchThrowableOfType(() -> a.records("stock_movements").update("m-1",
                Map.of("delta", -3)), InvalidWriteException.class);
        InvalidWriteException delete = catchThrowableOfType(() -> a.records("stock_movements").delete("m-1"),
                InvalidWriteException.class);

        assertThat(update.error().code()).isEqualTo("forbidden");
        assertThat(delete.error().code()).isEqualTo("forbidden");
        assertThat(a.pendingOps()).singleElement().extracting(QueuedOperation::type).isEqualTo(OpType.CREATE);
        assertThat(syncOk(a).applied()).isEqualTo(1);
    }

    @Test
    void aUserWhoMayNotWriteIsRefusedLocally() {
        SyncClient auditor = device("a", x -> x.tokenProvider(TokenProvider.of(
                server.token(tenant, "auditor", Role.AUDITOR))).user("auditor"));

        // an auditor may read the rules (fetched as the client opens) but not push: canWrite is false everywhere.
        // A write made before the rules arrived is queued (unknown rules are left to the server): it is discarded
        // and the next attempt takes a new id, until one is refused at once.
        java.util.concurrent.atomic.AtomicInteger attempt = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            auditor.pendingOps().forEach(op -> auditor.discard(op.opId()));
            assertThatThrownBy(() -> auditor.records("notes").create("n-" + attempt.incrementAndGet(),
                    Map.of("text", "hi")))
                    .isInstanceOfSatisfying(InvalidWriteException.class,
                            e -> assertThat(e.error().code()).isEqualTo("forbidden"));
        });
        // an earlier attempt's op may still be in the sync runner's hands (an automatic sync trying it) and so not
        // yet discarded: what matters is that the refused write left no op
        String refused = "n-" + attempt.get();
        assertThat(auditor.pendingOps()).as("the refused write queued nothing")
                .noneMatch(op -> refused.equals(op.id()));
    }

    @Test
    void everySyncRefreshesTheRules() throws IOException {
        String v1 = "{\"collections\":{\"dispenses\":{\"schema\":{\"type\":\"object\",\"required\":[\"lot\"]},"
                + "\"idMode\":\"client\",\"appendOnly\":false,\"canWrite\":true}}}";
        String v2 = "{\"collections\":{\"dispenses\":{\"schema\":{\"type\":\"object\",\"required\":[\"batch\"]},"
                + "\"idMode\":\"client\",\"appendOnly\":false,\"canWrite\":true}}}";
        java.util.concurrent.atomic.AtomicReference<String> rules = new java.util.concurrent.atomic.AtomicReference<>(v1);
        try (FakeServer fake = new FakeServer()) {
            fake.on("sync/pull", FakeServer::emptyPull).on("sync/push", FakeServer::applyAll)
                    .on("collections", r -> FakeServer.Response.json(rules.get()));
            SyncClient a = device("a", x -> x.baseUri(fake.baseUri()));
            syncOk(a);
            assertThatThrownBy(() -> a.records("dispenses").create("d-1", Map.of("batch", "b-1")))
                    .isInstanceOfSatisfying(InvalidWriteException.class, e -> assertThat(fields(e)).containsExactly("lot"));

            rules.set(v2);
            syncOk(a);

            a.records("dispenses").create("d-1", Map.of("batch", "b-1"));
            assertThatThrownBy(() -> a.records("dispenses").create("d-2", Map.of("lot", "l-1")))
                    .isInstanceOfSatisfying(InvalidWriteException.class, e -> assertThat(fields(e)).containsExactly("batch"));
            assertThat(fake.requests("collections").size()).isGreaterThanOrEqualTo(2);
        }
    }
}
