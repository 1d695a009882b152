package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Versioned collection schemas (docs/schema-versions.md) through the SDK against the real server: the test server's
 * {@code patients} is at v2 {fullName} and still accepts v1 {name} (a rename); its {@code charts} is at v2
 * {heading} and no longer accepts v1 {title}. An app declares its versions with {@link SyncClient.Builder#schemaVersion};
 * each op keeps the version it was queued in, across an app update.
 */
class SchemaVersionsEndToEndTest extends EndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyncClient.Builder builder(String name, String user) {
        return SyncClient.builder()
                .baseUri(server.baseUri())
                .tokenProvider(TokenProvider.of(server.token(tenant, user)))
                .storeDirectory(dir.resolve(name))
                .user(user)
                .collection("patients")
                .collection("charts")
                .syncOnStart(false)
                .syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300));
    }

    private SyncClient device(String name, String user, UnaryOperator<SyncClient.Builder> more) {
        return started(more.apply(builder(name, user)));
    }

    private SyncClient started(SyncClient.Builder builder) {
        SyncClient client = builder.build();
        open.add(client);
        return client;
    }

    private void close(SyncClient client) {
        open.remove(client);
        client.close();
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** Syncs until the record has {@code data}: another device's push reaches a pull once the feed has it. */
    private static void syncUntil(SyncClient client, String collection, String id, ObjectNode data) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            syncOk(client);
            return client.records(collection).get(id).map(r -> r.data().equals(data)).orElse(false);
        });
    }

    private static ObjectNode dataOf(SyncClient client, String collection, String id) {
        return client.records(collection).get(id).orElseThrow().data();
    }

    private static List<Optional<Integer>> pendingVersions(SyncClient client) {
        return client.pendingOps().stream().map(QueuedOperation::schemaVersion).toList();
    }

    /** Requests the server has answered on {@code uri} (its http.server.requests metric), any tenant. */
    private static long requests(String uri) {
        return server.bean(MeterRegistry.class).find("http.server.requests").tag("uri", uri).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    @Test
    void aV1AppWritesAndReadsItsOwnShapeWhileTheServerIsAtV2() {
        SyncClient old = device("old", "nurse-old", b -> b.schemaVersion("patients", 1));
        SyncClient current = device("new", "nurse-new", b -> b.schemaVersion("patients", 2));

        old.records("patients").create("p-1", json("{'name':'Ada','ward':'3'}"));
        assertThat(pendingVersions(old)).as("stamped when queued").containsExactly(Optional.of(1));
        assertThat(syncOk(old).applied()).isEqualTo(1);
        assertThat(dataOf(old, "patients", "p-1")).as("pulled back in v1")
                .isEqualTo(json("{'name':'Ada','ward':'3'}"));

        syncUntil(current, "patients", "p-1", json("{'fullName':'Ada','ward':'3'}"));
        current.records("patients").update("p-1", json("{'fullName':'Ada King'}"));
        syncOk(current);
        syncUntil(old, "patients", "p-1", json("{'name':'Ada King','ward':'3'}"));

        old.records("patients").update("p-1", json("{'ward':'4','name':'Ada K.'}"));
        syncOk(old);
        syncUntil(current, "patients", "p-1", json("{'fullName':'Ada K.','ward':'4'}"));
        assertThat(old.failedOps()).isEmpty();
        assertThat(current.failedOps()).isEmpty();
    }

    @Test
    void opsQueuedBeforeAnAppUpdateGoInTheirOldVersionAndNewOnesInTheNew() {
        SyncClient v1 = device("till", "nurse-1", b -> b.schemaVersion("patients", 1));
        v1.records("patients").create("p-0", json("{'name':'Bo'}"));
        syncOk(v1);
        // offline, still the old app
        v1.records("patients").create("p-1", json("{'name':'Cy'}"));
        v1.records("patients").update("p-0", json("{'name':'Bo B'}"));
        assertThat(pendingVersions(v1)).containsExactly(Optional.of(1), Optional.of(1));
        SyncClient.Builder updated = v1.newBuilder().schemaVersion("patients", 2);
        close(v1);

        SyncClient v2 = started(updated); // the app was updated: same store, the new version
        assertThat(pendingVersions(v2)).as("the queue keeps each op's version").containsExactly(Optional.of(1),
                Optional.of(1));
        v2.records("patients").create("p-2", json("{'fullName':'Di'}"));
        // not folded into the v1 create: the patch is in the new shape
        v2.records("patients").update("p-1", json("{'fullName':'Cy D'}"));
        assertThat(pendingVersions(v2)).containsExactly(Optional.of(1), Optional.of(1), Optional.of(2),
                Optional.of(2));

        SyncResult result = syncOk(v2);
        assertThat(result.applied()).isEqualTo(4);
        assertThat(v2.pendingOps()).isEmpty();
        // a v1 op sent as v2 would have left `name` in the record: the pulls show each was upgraded as written
        assertThat(dataOf(v2, "patients", "p-0")).as("pulled afresh in v2").isEqualTo(json("{'fullName':'Bo B'}"));
        assertThat(dataOf(v2, "patients", "p-1")).isEqualTo(json("{'fullName':'Cy D'}"));
        assertThat(dataOf(v2, "patients", "p-2")).isEqualTo(json("{'fullName':'Di'}"));

        SyncClient other = device("office", "nurse-2", b -> b);
        syncUntil(other, "patients", "p-1", json("{'fullName':'Cy D'}"));
        assertThat(dataOf(other, "patients", "p-0")).isEqualTo(json("{'fullName':'Bo B'}"));
        assertThat(dataOf(other, "patients", "p-2")).isEqualTo(json("{'fullName':'Di'}"));
    }

    @Test
    void aStoreOfTheOlderSdkKeepsItsQueueAndSendsThoseOpsWithoutAVersion() throws Exception {
        SyncClient before = device("till", "nurse-1", b -> b);
        before.records("patients").create("p-1", json("{'fullName':'Old App'}"));
        Path file = before.storeFile();
        SyncClient.Builder updated = before.newBuilder().schemaVersion("patients", 1);
        close(before);
        // the store as schema 4 (the SDK before versions) left it: no schema_version column
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = db.createStatement()) {
            s.execute("ALTER TABLE ops DROP COLUMN schema_version");
            s.execute("PRAGMA user_version = 4");
        }

        SyncClient after = started(updated);
        assertThat(after.pendingOps()).hasSize(1);
        assertThat(after.pendingOps().get(0).schemaVersion()).as("not stamped: written before versions").isEmpty();
        after.records("patients").create("p-2", json("{'name':'New App'}"));
        assertThat(pendingVersions(after)).containsExactly(Optional.empty(), Optional.of(1));
        assertThat(syncOk(after).applied()).isEqualTo(2);
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            assertThat(rs.getInt(1)).isEqualTo(5);
        }

        SyncClient other = device("office", "nurse-2", b -> b);
        syncUntil(other, "patients", "p-2", json("{'fullName':'New App'}"));
        assertThat(dataOf(other, "patients", "p-1")).isEqualTo(json("{'fullName':'Old App'}"));
    }

    @Test
    void aPushTheServerNoLongerAcceptsStopsSyncingKeepsTheQueueAndSaysUpdateTheApp() {
        AtomicInteger attempts = new AtomicInteger();
        SyncClient old = device("till", "nurse-1", b -> b.schemaVersion("charts", 1)
                .syncAfterWrite(Duration.ofMillis(20))
                .autoSync(true, Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(1), Duration.ofMillis(10))
                .listener(s -> {
                    if (s.state() == SyncStatus.State.SYNCING && s.progress().isEmpty()) attempts.incrementAndGet();
                }));
        old.records("charts").create("c-1", json("{'title':'Chart 1'}"));
        long pushesBefore = requests("/api/v1/sync/push");

        SyncResult refused = old.syncNow();
        assertThat(refused.error()).hasValueSatisfying(e -> {
            assertThat(e.kind()).isEqualTo(SyncError.Kind.UPGRADE_REQUIRED);
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).contains("upgrade_required");
            assertThat(e.message()).contains("charts");
        });
        SyncStatus status = old.status();
        assertThat(status.state()).isEqualTo(SyncStatus.State.UPGRADE_REQUIRED);
        assertThat(status.summary()).isEqualTo(SyncStatus.Summary.UPGRADE_REQUIRED);
        assertThat(status.nextAttemptAt()).as("no retry scheduled").isEmpty();
        assertThat(old.pendingOps()).singleElement().satisfies(op -> {
            assertThat(op.state()).isEqualTo(OpState.PENDING);
            assertThat(op.data()).isEqualTo(json("{'title':'Chart 1'}"));
            assertThat(op.schemaVersion()).contains(1);
        });

        // writes would sync 20 ms later each: none does, and no retry follows
        old.records("charts").create("c-2", json("{'title':'Chart 2'}"));
        old.records("charts").update("c-1", json("{'title':'Chart 1b'}"));
        await().atMost(Duration.ofSeconds(5)).until(() -> requests("/api/v1/sync/push") == pushesBefore + 1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> requests("/api/v1/sync/push") == pushesBefore + 1 && attempts.get() == 1);
        assertThat(old.pendingOps()).hasSize(3);
        assertThat(old.status().state()).isEqualTo(SyncStatus.State.UPGRADE_REQUIRED);

        // the app asks: one request, refused again
        assertThat(old.syncNow().error()).map(SyncError::kind).contains(SyncError.Kind.UPGRADE_REQUIRED);
        await().atMost(Duration.ofSeconds(5)).until(() -> requests("/api/v1/sync/push") == pushesBefore + 2);
        assertThat(attempts.get()).isEqualTo(2);

        // the updated app still sends the ops queued in v1 as v1, which the server refuses as before (raise
        // min-schema-version only when no device holds such ops: docs/schema-versions.md); nothing is lost
        SyncClient.Builder updated = old.newBuilder().schemaVersion("charts", 2);
        close(old);
        SyncClient v2 = started(updated);
        assertThat(pendingVersions(v2)).containsExactly(Optional.of(1), Optional.of(1), Optional.of(1));
        assertThat(v2.syncNow().error()).map(SyncError::kind).contains(SyncError.Kind.UPGRADE_REQUIRED);
        assertThat(v2.pendingOps()).hasSize(3);
        assertThat(v2.status().state()).isEqualTo(SyncStatus.State.UPGRADE_REQUIRED);
    }

    @Test
    void aPullTheServerNoLongerServesStopsSyncingUntilTheAppIsUpdatedThenTheOldOpsGoInTheirVersion() {
        SyncClient office = device("office", "nurse-2", b -> b.schemaVersion("charts", 2));
        office.records("charts").create("c-1", json("{'heading':'Ward 3'}"));
        syncOk(office);

        SyncClient old = device("till", "nurse-1", b -> b.schemaVersion("patients", 1).schemaVersion("charts", 1)
                .syncAfterWrite(Duration.ofMillis(20))
                .autoSync(true, Duration.ofSeconds(30))
                .backoff(Duration.ofMillis(1), Duration.ofMillis(10)));
        long pullsBefore = requests("/api/v1/sync/pull");
        long pushesBefore = requests("/api/v1/sync/push");
        SyncResult refused = old.syncNow();
        assertThat(refused.error()).map(SyncError::kind).contains(SyncError.Kind.UPGRADE_REQUIRED);
        assertThat(refused.error()).flatMap(SyncError::code).contains("upgrade_required");
        assertThat(old.status().state()).isEqualTo(SyncStatus.State.UPGRADE_REQUIRED);
        assertThat(old.records("charts").get("c-1")).as("nothing pulled").isEmpty();

        old.records("patients").create("p-1", json("{'name':'Eve'}")); // would sync 20 ms later
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> requests("/api/v1/sync/pull") == pullsBefore + 1
                        && requests("/api/v1/sync/push") == pushesBefore);
        assertThat(pendingVersions(old)).containsExactly(Optional.of(1));

        SyncClient.Builder updated = old.newBuilder().schemaVersion("charts", 2); // patients stays at v1
        close(old);
        SyncClient v2 = started(updated.syncAfterWrite(Duration.ZERO).autoSync(false, Duration.ofSeconds(300)));
        SyncResult result = syncOk(v2);
        assertThat(result.applied()).isEqualTo(1);
        assertThat(v2.status().summary()).isEqualTo(SyncStatus.Summary.SYNCED);
        assertThat(dataOf(v2, "charts", "c-1")).isEqualTo(json("{'heading':'Ward 3'}"));
        assertThat(dataOf(v2, "patients", "p-1")).as("read in v1").isEqualTo(json("{'name':'Eve'}"));
        syncUntil(office, "patients", "p-1", json("{'fullName':'Eve'}"));
    }
}
