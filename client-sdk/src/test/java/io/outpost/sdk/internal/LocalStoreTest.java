package io.outpost.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.sdk.Filter;
import io.outpost.sdk.LocalRecord;
import io.outpost.sdk.OpState;
import io.outpost.sdk.OpType;
import io.outpost.sdk.QueuedOperation;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local store on its own: views, the queue, folding of unsent edits, rebase on pulled state, durability. */
class LocalStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path dir;
    private LocalStore store;

    @BeforeEach
    void open() {
        store = LocalStore.open(dir.resolve("s.db"), JSON);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void theLaterPendingOpsOfARecordAreFoundThroughTheRecordsIndexAndAVersion1StoreIsMigrated() throws Exception {
        store.close();
        Path v1 = dir.resolve("v1.db");
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + v1);
             java.sql.Statement s = db.createStatement()) {
            s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("CREATE TABLE records (collection TEXT NOT NULL, id TEXT NOT NULL, server_version INTEGER NOT "
                    + "NULL DEFAULT 0, server_deleted INTEGER NOT NULL DEFAULT 0, server_data TEXT, local INTEGER NOT "
                    + "NULL DEFAULT 0, local_data TEXT, local_deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY "
                    + "(collection, id)) WITHOUT ROWID");
            s.execute("CREATE TABLE ops (op_id INTEGER PRIMARY KEY, type TEXT NOT NULL, collection TEXT NOT NULL, "
                    + "record_id TEXT NOT NULL, temp INTEGER NOT NULL DEFAULT 0, base_version INTEGER NOT NULL "
                    + "DEFAULT 0, data TEXT, client_ts TEXT NOT NULL, state TEXT NOT NULL, error TEXT, conflict TEXT)");
            s.execute("CREATE INDEX ops_record ON ops (collection, record_id)");
            s.execute("CREATE INDEX ops_state ON ops (state, op_id)");
            s.execute("CREATE INDEX records_local ON records (local) WHERE local = 1");
            // an op queued by the older SDK: it may have been sent already, which that SDK did not record
            s.execute("INSERT INTO ops (op_id, type, collection, record_id, data, client_ts, state) VALUES "
                    + "(1, 'CREATE', 'c', 'r', '{}', '2026-01-01T00:00:00Z', 'PENDING')");
            s.execute("PRAGMA user_version = 1");
        }
        store = LocalStore.open(v1, JSON);
        store.close();

        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + v1);
             java.sql.Statement s = db.createStatement()) {
            try (java.sql.ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(5);
            }
            try (java.sql.ResultSet rs = s.executeQuery("SELECT sent, group_id, schema_version FROM ops "
                    + "WHERE op_id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("an op of an older store counts as maybe sent").isEqualTo(1);
                assertThat(rs.getString(2)).as("schema 4: in no op group").isNull();
                assertThat(rs.getObject(3)).as("schema 5: written before versions, sent without one").isNull();
            }
            StringBuilder plan = new StringBuilder();
            try (java.sql.ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN UPDATE ops SET base_version = 1 "
                    + "WHERE collection = 'c' AND record_id = 'r' AND op_id > 5 AND state = 'PENDING'")) {
                while (rs.next()) plan.append(rs.getString("detail")).append('\n');
            }
            assertThat(plan.toString()).contains("ops_record").contains("op_id>?");
        }
        store = LocalStore.open(dir.resolve("s.db"), JSON);
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private void pulled(String id, long version, String data) {
        store.applyPullPage(List.of(new LocalStore.Change("notes", id, version, data == null, data == null ? null
                : json(data))), false, List.of("notes"), "cursor:notes", "c-" + version);
    }

    private List<QueuedOperation> queue() {
        return store.ops(EnumSet.allOf(OpState.class));
    }

    @Test
    void eachOpKeepsTheSchemaVersionItWasQueuedInAndTakesWritesOfThatVersionOnly() {
        store.schemaVersions(Map.of("notes", 1));
        store.create("notes", "n-1", false, json("{\"name\":\"a\"}"), NOW);
        store.update("notes", "n-1", json("{\"name\":\"b\"}"), NOW); // folds into the v1 create
        store.create("notes", "n-2", false, json("{\"name\":\"x\"}"), NOW);
        store.create("notes", "n-3", false, json("{\"name\":\"y\"}"), NOW);
        store.schemaVersions(Map.of("notes", 2)); // the app was updated
        store.update("notes", "n-1", json("{\"fullName\":\"c\"}"), NOW); // its own op: the create is v1
        store.update("notes", "n-1", json("{\"ward\":\"3\"}"), NOW); // folds into the v2 update
        store.increment("notes", "n-2", json("{\"visits\":1}"), NOW); // not into the v1 create either
        store.delete("notes", "n-3", NOW); // a never-sent create is dropped whatever its version

        assertThat(queue()).extracting(QueuedOperation::id, QueuedOperation::schemaVersion).containsExactly(
                org.assertj.core.groups.Tuple.tuple("n-1", java.util.Optional.of(1)),
                org.assertj.core.groups.Tuple.tuple("n-2", java.util.Optional.of(1)),
                org.assertj.core.groups.Tuple.tuple("n-1", java.util.Optional.of(2)),
                org.assertj.core.groups.Tuple.tuple("n-2", java.util.Optional.of(2)));
        assertThat(queue().get(0).data()).isEqualTo(json("{\"name\":\"b\"}"));
        assertThat(queue().get(2).data()).isEqualTo(json("{\"fullName\":\"c\",\"ward\":\"3\"}"));
        assertThat(queue().get(3).data()).isEqualTo(json("{\"visits\":1}"));

        List<LocalStore.Op> batch = store.takeBatch(1, Long.MAX_VALUE);
        assertThat(batch).extracting(LocalStore.Op::schemaVersion).containsExactly(1);
        store.applyPushResults(batch, JSON.createArrayNode().add(JSON.createObjectNode()
                .put("opId", batch.get(0).opId()).put("status", "rejected")), Map.of());
        long failed = batch.get(0).opId();
        long requeued = store.requeue(failed, null, NOW).orElseThrow();
        assertThat(queue()).filteredOn(op -> op.opId() == requeued).singleElement()
                .satisfies(op -> assertThat(op.schemaVersion()).as("its own data: its own version").contains(1));
        store.schemaVersions(Map.of());
        List<LocalStore.Op> second = store.takeBatch(1, Long.MAX_VALUE);
        assertThat(second).extracting(LocalStore.Op::id, LocalStore.Op::schemaVersion)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("n-2", 1));
        store.applyPushResults(second, JSON.createArrayNode().add(JSON.createObjectNode()
                .put("opId", second.get(0).opId()).put("status", "rejected")), Map.of());
        long edited = store.requeue(second.get(0).opId(), json("{\"name\":\"d\"}"), NOW).orElseThrow();
        assertThat(queue()).filteredOn(op -> op.opId() == edited).singleElement()
                .satisfies(op -> assertThat(op.schemaVersion()).as("edited now: the app's version (none)").isEmpty());
    }

    @Test
    void aPendingEditIsReappliedOnTopOfANewerPulledState() {
        pulled("n-1", 1, "{\"a\":1,\"b\":1}");
        store.update("notes", "n-1", json("{\"b\":2}"), NOW);

        pulled("n-1", 2, "{\"a\":9,\"b\":1}");

        LocalRecord r = store.get("notes", "n-1").orElseThrow();
        assertThat(r.data()).isEqualTo(json("{\"a\":9,\"b\":2}"));
        assertThat(r.version()).isEqualTo(2);
        assertThat(r.pending()).isTrue();
        assertThat(queue()).singleElement().satisfies(op -> assertThat(op.baseVersion()).isEqualTo(1));
    }

    private long stock() {
        return store.get("notes", "sku").orElseThrow().data().path("stock").asLong();
    }

    private static com.fasterxml.jackson.databind.JsonNode answer(String json) {
        try {
            return JSON.readTree("[" + json + "]");
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void anIncrementShowsAtOnceAndUnsentOnesFoldIntoOneOpWithoutABaseVersionOnTheWire() {
        pulled("sku", 1, "{\"stock\":10}");
        store.increment("notes", "sku", json("{\"stock\":-2}"), NOW);
        store.increment("notes", "sku", json("{\"stock\":-3,\"sold\":5}"), NOW);
        assertThat(stock()).isEqualTo(5);
        assertThat(store.get("notes", "sku").orElseThrow().data().path("sold").asLong()).isEqualTo(5);
        assertThat(queue()).singleElement().satisfies(op -> {
            assertThat(op.type()).isEqualTo(OpType.INCREMENT);
            assertThat(op.data()).isEqualTo(json("{\"stock\":-5,\"sold\":5}"));
        });

        store.create("notes", "new", false, json("{\"stock\":1}"), NOW);
        store.increment("notes", "new", json("{\"stock\":4}"), NOW);
        assertThat(queue()).filteredOn(op -> op.id().equals("new")).singleElement()
                .satisfies(op -> assertThat(op.data()).isEqualTo(json("{\"stock\":5}")));
        assertThatThrownBy(() -> store.increment("notes", "missing", json("{\"stock\":1}"), NOW))
                .isInstanceOf(IllegalStateException.class);
        store.update("notes", "sku", json("{\"label\":\"x\"}"), NOW);
        assertThatThrownBy(() -> store.increment("notes", "sku", json("{\"label\":1}"), NOW))
                .hasMessageContaining("not a number");
    }

    @Test
    void anAnsweredIncrementIsNeverCountedTwiceAndOthersIncrementsAddUp() {
        pulled("sku", 1, "{\"stock\":10}");
        store.increment("notes", "sku", json("{\"stock\":-2}"), NOW); // op 1
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        assertThat(stock()).as("in flight: still counted once").isEqualTo(8);
        store.applyPushResults(batch, answer("{\"opId\":1,\"status\":\"applied\",\"collection\":\"notes\","
                + "\"id\":\"sku\",\"version\":2,\"data\":{\"stock\":8}}"), Map.of());
        assertThat(stock()).as("the answer holds our delta: not added again").isEqualTo(8);

        // another device sold 3 more; the pull also confirms op 1
        pulled("sku", 3, "{\"stock\":5}");
        assertThat(stock()).isEqualTo(5);
        store.confirm(1);
        assertThat(stock()).isEqualTo(5);
        assertThat(queue()).isEmpty();

        // a pending increment sits on top of what others did
        store.increment("notes", "sku", json("{\"stock\":-1}"), NOW); // op 2
        pulled("sku", 4, "{\"stock\":25}"); // a delivery of 20 elsewhere
        assertThat(stock()).isEqualTo(24);
    }

    @Test
    void anIncrementAnsweredAfterTheCreateOfItsRecordShowsTheAnswersValueBeforeAnyPull() {
        store.create("notes", "sku", false, json("{\"stock\":10}"), NOW); // op 1
        List<LocalStore.Op> first = store.takeBatch(10, Long.MAX_VALUE);
        store.increment("notes", "sku", json("{\"stock\":-2}"), NOW); // op 2: the create was sent, no fold
        store.applyPushResults(first, answer("{\"opId\":1,\"status\":\"applied\",\"collection\":\"notes\","
                + "\"id\":\"sku\",\"version\":1}"), Map.of());
        assertThat(stock()).isEqualTo(8);
        List<LocalStore.Op> second = store.takeBatch(10, Long.MAX_VALUE);
        store.applyPushResults(second, answer("{\"opId\":2,\"status\":\"applied\",\"collection\":\"notes\","
                + "\"id\":\"sku\",\"version\":3,\"data\":{\"stock\":5}}"), Map.of()); // another till sold 3
        assertThat(stock()).as("the answer's value: the applied create is not replayed over it").isEqualTo(5);
    }

    @Test
    void anIncrementWhoseAnswerWasLostIsNotCountedTwiceOnceAPullCoversIt() {
        pulled("sku", 1, "{\"stock\":10}");
        store.increment("notes", "sku", json("{\"stock\":-2}"), NOW); // op 1
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        store.releaseBatch(batch); // no answer: pending again, maybe applied on the server
        pulled("sku", 2, "{\"stock\":8}"); // it was: the server's state holds it
        assertThat(stock()).as("before the pull says so, the delta still counts").isEqualTo(6);
        store.confirm(1); // the pull's lastProcessedOpId covers op 1
        assertThat(stock()).as("covered by the pull: not added again").isEqualTo(8);
        assertThat(queue()).singleElement().satisfies(op -> assertThat(op.state()).isEqualTo(OpState.PENDING));
    }

    @Test
    void aRejectedIncrementLeavesTheServersValue() {
        pulled("sku", 1, "{\"stock\":1}");
        store.increment("notes", "sku", json("{\"stock\":-2}"), NOW);
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        store.applyPushResults(batch, answer("{\"opId\":1,\"status\":\"rejected\",\"collection\":\"notes\","
                + "\"id\":\"sku\",\"error\":{\"code\":\"validation_failed\",\"message\":\"below 0\"}}"), Map.of());
        assertThat(stock()).isEqualTo(1);
    }

    @Test
    void aTransactionsOpsGoWholeIntoOnePushAndNeverMixWithOthers() {
        store.create("notes", "a", false, json("{}"), NOW); // op 1, ungrouped
        store.transaction(LocalStore.MAX_GROUP, () -> {
            store.create("notes", "g1", false, json("{\"n\":1}"), NOW);
            store.update("notes", "g1", json("{\"m\":2}"), NOW); // folds into the group's create
            store.create("notes", "g2", false, json("{}"), NOW);
            store.create("notes", "g3", false, json("{}"), NOW);
            return null;
        });
        store.update("notes", "g3", json("{\"later\":true}"), NOW); // outside: never folded into the group's op
        List<QueuedOperation> q = queue();
        assertThat(q).hasSize(5);
        assertThat(q.subList(1, 4)).allSatisfy(op -> assertThat(op.group()).isPresent())
                .extracting(QueuedOperation::group).containsOnly(q.get(1).group());
        assertThat(q.get(1).data()).isEqualTo(json("{\"n\":1,\"m\":2}"));
        assertThat(q.get(0).group()).isEmpty();
        assertThat(q.get(4).group()).isEmpty();

        assertThat(store.takeBatch(2, Long.MAX_VALUE)).extracting(LocalStore.Op::opId)
                .as("the group does not fit behind op 1: it waits for the next push").containsExactly(1L);
        assertThat(store.takeBatch(2, Long.MAX_VALUE)).extracting(LocalStore.Op::id)
                .as("a group larger than the batch size still goes whole").containsExactly("g1", "g2", "g3");
        assertThat(store.takeBatch(2, Long.MAX_VALUE)).extracting(LocalStore.Op::id).containsExactly("g3");
    }

    @Test
    void aTransactionThatThrowsLeavesNothingAndARecordChangesOnceInIt() {
        pulled("sku", 1, "{\"stock\":3}");
        assertThatThrownBy(() -> store.transaction(LocalStore.MAX_GROUP, () -> {
            store.create("notes", "x", false, json("{}"), NOW);
            store.increment("notes", "sku", json("{\"stock\":-1}"), NOW);
            throw new IllegalStateException("the app changed its mind");
        })).hasMessageContaining("changed its mind");
        assertThat(queue()).isEmpty();
        assertThat(store.get("notes", "x")).isEmpty();
        assertThat(stock()).isEqualTo(3);

        assertThatThrownBy(() -> store.transaction(LocalStore.MAX_GROUP, () -> {
            store.increment("notes", "sku", json("{\"stock\":-1}"), NOW);
            store.update("notes", "sku", json("{\"label\":\"y\"}"), NOW);
            return null;
        })).hasMessageContaining("changes a record once");
        assertThat(queue()).isEmpty();
        assertThat(stock()).isEqualTo(3);
        assertThatThrownBy(() -> store.transaction(1, () -> {
            store.create("notes", "y1", false, json("{}"), NOW);
            store.create("notes", "y2", false, json("{}"), NOW);
            return null;
        })).hasMessageContaining("at most 1");
        assertThat(queue()).isEmpty();
    }

    @Test
    void anOlderPulledVersionDoesNotOverwriteANewerOne() {
        pulled("n-1", 3, "{\"a\":3}");
        pulled("n-1", 2, "{\"a\":2}");
        assertThat(store.get("notes", "n-1").orElseThrow().data()).isEqualTo(json("{\"a\":3}"));
    }

    @Test
    void unsentEditsOfOneRecordFoldIntoOneOp() {
        store.create("notes", "n-1", false, json("{\"a\":1}"), NOW);
        store.update("notes", "n-1", json("{\"b\":2}"), NOW);
        pulled("n-2", 1, "{\"x\":{\"y\":1}}");
        store.update("notes", "n-2", json("{\"x\":{\"z\":2}}"), NOW);
        store.update("notes", "n-2", json("{\"x\":{\"y\":null},\"w\":1}"), NOW);

        assertThat(queue()).hasSize(2);
        assertThat(queue().get(0).type()).isEqualTo(OpType.CREATE);
        assertThat(queue().get(0).data()).isEqualTo(json("{\"a\":1,\"b\":2}"));
        assertThat(queue().get(1).data()).isEqualTo(json("{\"x\":{\"z\":2,\"y\":null},\"w\":1}"));
        assertThat(store.get("notes", "n-2").orElseThrow().data()).isEqualTo(json("{\"x\":{\"z\":2},\"w\":1}"));
    }

    @Test
    void aPatchThatCannotBeComposedIsQueuedSeparately() {
        pulled("n-1", 1, "{\"x\":1}");
        store.update("notes", "n-1", json("{\"x\":5}"), NOW);
        store.update("notes", "n-1", json("{\"x\":{\"deep\":true}}"), NOW);

        assertThat(queue()).hasSize(2);
        assertThat(store.get("notes", "n-1").orElseThrow().data()).isEqualTo(json("{\"x\":{\"deep\":true}}"));
    }

    @Test
    void deletingARecordThatNeverLeftTheDeviceDropsItsCreate() {
        store.create("notes", "n-1", false, json("{\"a\":1}"), NOW);
        store.delete("notes", "n-1", NOW);

        assertThat(queue()).isEmpty();
        assertThat(store.get("notes", "n-1")).isEmpty();
    }

    @Test
    void aDeleteOfASyncedRecordIsQueuedWithItsVersionAndHidesIt() {
        pulled("n-1", 4, "{\"a\":1}");
        store.delete("notes", "n-1", NOW);

        assertThat(store.get("notes", "n-1")).isEmpty();
        assertThat(store.list("notes", Filter.ALL)).isEmpty();
        assertThat(queue()).singleElement().satisfies(op -> {
            assertThat(op.type()).isEqualTo(OpType.DELETE);
            assertThat(op.baseVersion()).isEqualTo(4);
        });
    }

    @Test
    void opIdsIncreaseAcrossARestartAndTheDeviceIdIsKept() {
        store.create("notes", "n-1", false, json("{}"), NOW);
        String device = store.deviceId();
        store.close();
        store = LocalStore.open(dir.resolve("s.db"), JSON);
        store.create("notes", "n-2", false, json("{}"), NOW);

        assertThat(store.deviceId()).isEqualTo(device);
        assertThat(queue()).extracting(QueuedOperation::opId).containsExactly(1L, 2L);
    }

    @Test
    void opsInFlightAtACrashArePendingAgainAfterTheRestart() {
        store.create("notes", "n-1", false, json("{}"), NOW);
        assertThat(store.takeBatch(10, Long.MAX_VALUE)).hasSize(1);
        assertThat(queue()).singleElement().extracting(QueuedOperation::state).isEqualTo(OpState.SYNCING);
        store.close();

        store = LocalStore.open(dir.resolve("s.db"), JSON);

        assertThat(queue()).singleElement().extracting(QueuedOperation::state).isEqualTo(OpState.PENDING);
    }

    @Test
    void aBatchEndsBeforeASecondOpOfTheSameRecord() {
        pulled("n-1", 1, "{\"a\":1}");
        store.update("notes", "n-1", json("{\"a\":2}"), NOW);
        store.takeBatch(10, Long.MAX_VALUE); // in flight: the next edit cannot fold into it
        store.update("notes", "n-1", json("{\"a\":3}"), NOW);
        store.create("notes", "n-2", false, json("{}"), NOW);
        store.releaseBatch(List.of(new LocalStore.Op(1, OpType.UPDATE, "notes", "n-1", false, 1, null, null)));

        assertThat(store.takeBatch(10, Long.MAX_VALUE)).extracting(LocalStore.Op::opId).containsExactly(1L);
    }

    @Test
    void anAnsweredOpMovesTheBaseVersionOfTheNextOpOfItsRecord() {
        pulled("n-1", 1, "{\"a\":1}");
        store.update("notes", "n-1", json("{\"a\":2}"), NOW);
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        store.update("notes", "n-1", json("{\"a\":3}"), NOW);

        store.applyPushResults(batch, json("{\"r\":[{\"opId\":1,\"status\":\"applied\",\"version\":2}]}").get("r"),
                Map.of());

        assertThat(queue()).filteredOn(op -> op.state() == OpState.PENDING).singleElement()
                .satisfies(op -> assertThat(op.baseVersion()).isEqualTo(2));
        assertThat(store.get("notes", "n-1").orElseThrow().data()).isEqualTo(json("{\"a\":3}"));
    }

    /** The records table as it is stored, every column, by collection and id. */
    private List<List<Object>> recordRows() throws Exception {
        List<List<Object>> rows = new java.util.ArrayList<>();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("s.db"));
             java.sql.Statement s = db.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT collection, id, server_version, server_deleted, "
                     + "server_data, local, local_data, local_deleted FROM records ORDER BY collection, id")) {
            while (rs.next()) {
                List<Object> row = new java.util.ArrayList<>();
                for (int i = 1; i <= 8; i++) row.add(rs.getObject(i));
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void theViewsStoredWithPushAnswersAreTheOnesARebuildDerives() throws Exception {
        pulled("upd", 1, "{\"a\":1}");
        pulled("del", 2, "{\"a\":1}");
        pulled("sku", 1, "{\"stock\":10}");
        pulled("newer", 1, "{\"a\":1}");
        pulled("twice", 1, "{\"a\":1}");
        pulled("noversion", 1, "{\"a\":1}");
        store.create("notes", "new", false, json("{\"a\":1}"), NOW); // op 1: applied, nothing after it
        store.update("notes", "upd", json("{\"b\":2}"), NOW); // op 2: applied, op 8 of the record queued meanwhile
        store.delete("notes", "del", NOW); // op 3: applied delete
        store.increment("notes", "sku", json("{\"stock\":-2}"), NOW); // op 4: the answer carries the data
        store.update("notes", "newer", json("{\"c\":3}"), NOW); // op 5: a pull brings v5 before its answer (v2)
        store.update("notes", "twice", json("{\"m\":1}"), NOW); // op 6: merged, with the server's data
        store.update("notes", "noversion", json("{\"n\":1}"), NOW); // op 7: an answer without a version
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        assertThat(batch).hasSize(7);
        store.update("notes", "upd", json("{\"b\":3}"), NOW); // op 8
        pulled("newer", 5, "{\"a\":5}");

        store.applyPushResults(batch, answer("""
                {"opId":1,"status":"applied","collection":"notes","id":"new","version":1},
                {"opId":2,"status":"applied","collection":"notes","id":"upd","version":2},
                {"opId":3,"status":"applied","collection":"notes","id":"del","version":3},
                {"opId":4,"status":"applied","collection":"notes","id":"sku","version":2,"data":{"stock":7}},
                {"opId":5,"status":"applied","collection":"notes","id":"newer","version":2},
                {"opId":6,"status":"merged","collection":"notes","id":"twice","version":2,"data":{"a":1,"m":1,"x":9}},
                {"opId":7,"status":"applied","collection":"notes","id":"noversion"}"""), Map.of());

        assertThat(store.get("notes", "new").orElseThrow()).satisfies(r -> {
            assertThat(r.data()).isEqualTo(json("{\"a\":1}"));
            assertThat(r.version()).isEqualTo(1);
            assertThat(r.pending()).isFalse();
        });
        assertThat(store.get("notes", "upd").orElseThrow()).satisfies(r -> {
            assertThat(r.data()).as("op 8 on top of the answered state").isEqualTo(json("{\"a\":1,\"b\":3}"));
            assertThat(r.version()).isEqualTo(2);
            assertThat(r.pending()).isTrue();
        });
        assertThat(queue()).filteredOn(op -> op.opId() == 8).singleElement()
                .satisfies(op -> assertThat(op.baseVersion()).as("moved to the answered version").isEqualTo(2));
        assertThat(store.get("notes", "del")).isEmpty();
        assertThat(stock()).isEqualTo(7);
        assertThat(store.get("notes", "newer").orElseThrow()).satisfies(r -> {
            assertThat(r.data()).as("the newer pulled state holds op 5's effect").isEqualTo(json("{\"a\":5}"));
            assertThat(r.version()).isEqualTo(5);
        });
        assertThat(store.get("notes", "twice").orElseThrow().data()).isEqualTo(json("{\"a\":1,\"m\":1,\"x\":9}"));
        assertThat(store.get("notes", "noversion").orElseThrow().data()).isEqualTo(json("{\"a\":1,\"n\":1}"));
        assertThat(queue()).filteredOn(op -> op.opId() <= 7)
                .allSatisfy(op -> assertThat(op.state()).isEqualTo(OpState.SYNCED));

        List<List<Object>> stored = recordRows();
        store.refreshAllViews();
        assertThat(recordRows()).as("every stored row, as a rebuild from server state and live ops makes it")
                .isEqualTo(stored);
    }

    @Test
    void anOpAnsweredAfterAPullConfirmedItsOpIdLeavesTheServersState() throws Exception {
        store.create("notes", "n-1", false, json("{\"a\":1}"), NOW); // op 1
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        pulled("n-1", 1, "{\"a\":1}");
        store.confirm(1); // a pull covered op 1 while its answer was on its way
        store.applyPushResults(batch, answer("{\"opId\":1,\"status\":\"applied\",\"collection\":\"notes\","
                + "\"id\":\"n-1\",\"version\":1}"), Map.of());

        assertThat(store.get("notes", "n-1").orElseThrow().pending()).isFalse();
        List<List<Object>> stored = recordRows();
        assertThat(stored).singleElement().satisfies(row -> assertThat(row.get(5)).as("local").isEqualTo(0));
        store.refreshAllViews();
        assertThat(recordRows()).isEqualTo(stored);
    }

    @Test
    void aSyncedOpStaysInTheViewUntilAPullConfirmsIt() {
        store.create("notes", "n-1", false, json("{\"a\":1}"), NOW);
        List<LocalStore.Op> batch = store.takeBatch(10, Long.MAX_VALUE);
        store.applyPushResults(batch, json("{\"r\":[{\"opId\":1,\"status\":\"applied\",\"version\":1}]}").get("r"),
                Map.of());
        store.applyPullPage(List.of(), true, List.of("notes"), "cursor:notes", "c1"); // snapshot without it yet

        assertThat(store.get("notes", "n-1")).isPresent();
        assertThat(store.confirm(0).isEmpty()).isTrue();
        assertThat(queue()).singleElement().extracting(QueuedOperation::state).isEqualTo(OpState.SYNCED);

        pulled("n-1", 1, "{\"a\":1}");
        store.confirm(1);
        assertThat(queue()).isEmpty();
        assertThat(store.get("notes", "n-1").orElseThrow().pending()).isFalse();
    }

    @Test
    void writingARecordThatDoesNotExistLocallyIsRefused() {
        assertThatThrownBy(() -> store.update("notes", "nope", json("{}"), NOW))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("notes/nope");
        pulled("n-1", 1, "{}");
        assertThatThrownBy(() -> store.create("notes", "n-1", false, json("{}"), NOW))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exists already");
        assertThat(queue()).isEmpty();
    }
}
