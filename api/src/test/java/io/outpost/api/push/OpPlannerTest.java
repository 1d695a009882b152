package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.CreateRecordCommand;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordView;
import io.outpost.command.api.RejectionCode;
import io.outpost.command.api.UpdateRecordCommand;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The op planner on its own: no Spring, no database; the push's facts are an in-memory fake. */
class OpPlannerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "t1";

    private final Map<String, CollectionRules> rules = new HashMap<>(Map.of(
            "notes", CollectionRules.defaults("notes"),
            "pets", new CollectionRules("pets", null, null, null, CollectionRules.Visibility.OWNER, "ownerId", null,
                    null, null),
            "visits", new CollectionRules("visits", null, null, CollectionRules.IdMode.SERVER, null, null,
                    Map.of("petId", "pets"), Map.of("clientId", new CollectionRules.Derivation("petId", "ownerId")),
                    null)));
    private final CollectionCatalog catalog = name -> Optional.ofNullable(rules.get(name));
    private final OpPlanner planner = new OpPlanner(catalog);
    private final FakePush push = new FakePush(new SyncPrincipal(TENANT, "alice", Set.of(Role.USER)));

    @Test
    void aMalformedOpIsRejectedWithItsProblem() {
        PushOperation op = new PushOperation(1, null, "upsert", "notes", "n1", null, null, null, null,
                new PushOperation.Problem("type must be create, update or delete",
                        List.of(new FieldError("type", "unknown"))));

        OpPlan.Reject r = (OpPlan.Reject) planner.plan(push, op);

        assertThat(r.code()).isEqualTo(RejectionCode.INVALID_OPERATION);
        assertThat(r.fields()).extracting(FieldError::field).containsExactly("type");
        assertThat(push.touched).isEmpty();
    }

    @Test
    void anUnknownCollectionIsRejected() {
        OpPlan.Reject r = (OpPlan.Reject) planner.plan(push, create(1, "secrets", "s1", "{}"));

        assertThat(r.code()).isEqualTo(RejectionCode.UNKNOWN_COLLECTION);
        assertThat(r.id()).isEqualTo("s1");
    }

    @Test
    void aCreateOfAnUnusedIdNeedsNoReadAndASecondOpOnItDoes() {
        OpPlan.Run first = (OpPlan.Run) planner.plan(push, create(1, "notes", "n1", "{\"a\":1}"));
        OpPlan.Run again = (OpPlan.Run) planner.plan(push, create(2, "notes", "n1", "{\"a\":2}"));

        assertThat(first.command()).isInstanceOf(CreateNewRecordCommand.class);
        assertThat(again.command()).as("the push already addressed n1").isInstanceOf(CreateRecordCommand.class);
        assertThat(push.reads).isEmpty();
    }

    @Test
    void anUpdateOfAMissingRecordIsNotFound() {
        OpPlan.Reject r = (OpPlan.Reject) planner.plan(push, update(1, "notes", "gone", 1, "{\"a\":1}"));

        assertThat(r.code()).isEqualTo(RejectionCode.NOT_FOUND);
        assertThat(push.reads).containsExactly(new RecordKey(TENANT, "notes", "gone"));
    }

    @Test
    void anUpdateCarriesTheOpsContextAndBaseVersion() {
        push.put(new RecordView(new RecordKey(TENANT, "notes", "n1"), 3, false, obj("{\"a\":1}"), "bob"));

        OpPlan.Run run = (OpPlan.Run) planner.plan(push, update(7, "notes", "n1", 2, "{\"a\":5}"));

        UpdateRecordCommand cmd = (UpdateRecordCommand) run.command();
        assertThat(cmd.baseVersion()).isEqualTo(2);
        assertThat(cmd.op().opId()).isEqualTo(7);
        assertThat(cmd.op().userId()).isEqualTo("alice");
        assertThat(cmd.op().deviceId()).isEqualTo("dev-1");
        assertThat(cmd.key()).isEqualTo(new RecordKey(TENANT, "notes", "n1"));
    }

    @Test
    void anotherUsersRecordInAnOwnerCollectionDoesNotExistForTheCallerButDoesForAnAdmin() {
        push.put(new RecordView(new RecordKey(TENANT, "pets", "p1"), 1, false, obj("{\"ownerId\":\"bob\"}"), "bob"));

        assertThat(((OpPlan.Reject) planner.plan(push, update(1, "pets", "p1", 1, "{\"name\":\"x\"}"))).code())
                .isEqualTo(RejectionCode.NOT_FOUND);
        FakePush admin = new FakePush(new SyncPrincipal(TENANT, "root", Set.of(Role.ADMIN)));
        admin.records.putAll(push.records);
        assertThat(planner.plan(admin, update(1, "pets", "p1", 1, "{\"name\":\"x\"}"))).isInstanceOf(OpPlan.Run.class);
    }

    @Test
    void serverIdsAreAssignedToTempIdsAndReferencesAreCheckedAndDerived() {
        push.put(new RecordView(new RecordKey(TENANT, "pets", "p1"), 1, false, obj("{\"ownerId\":\"alice\"}"),
                "alice"));

        OpPlan.Run visit = (OpPlan.Run) planner.plan(push,
                new PushOperation(1, OpType.CREATE, "create", "visits", null, "tmp-1", null, obj("{\"petId\":\"p1\"}"),
                        null, null));
        OpPlan.Reject missing = (OpPlan.Reject) planner.plan(push,
                new PushOperation(2, OpType.CREATE, "create", "visits", null, "tmp-2", null,
                        obj("{\"petId\":\"nope\"}"), null, null));
        OpPlan.Reject withId = (OpPlan.Reject) planner.plan(push, create(3, "visits", "v9", "{}"));

        assertThat(visit.id()).isEqualTo("1");
        assertThat(visit.tempId()).isEqualTo("tmp-1");
        CreateNewRecordCommand cmd = (CreateNewRecordCommand) visit.command();
        assertThat(cmd.derived().path("clientId").asText()).isEqualTo("alice");
        assertThat(missing.code()).isEqualTo(RejectionCode.INVALID_REFERENCE);
        assertThat(missing.fields()).extracting(FieldError::field).containsExactly("petId");
        assertThat(withId.code()).isEqualTo(RejectionCode.INVALID_OPERATION);
        assertThat(withId.fields()).extracting(FieldError::field).containsExactly("id");
    }

    @Test
    void aTempIdInAReferenceBecomesTheRealIdOfItsCollection() {
        push.tempIds.put("tmp-p", new PushStore.TempId("pets", "42"));
        push.put(new RecordView(new RecordKey(TENANT, "pets", "42"), 1, false, obj("{\"ownerId\":\"alice\"}"),
                "alice"));

        OpPlan.Run run = (OpPlan.Run) planner.plan(push, new PushOperation(1, OpType.CREATE, "create", "visits", null,
                "tmp-v", null, obj("{\"petId\":\"tmp-p\"}"), null, null));

        assertThat(((CreateNewRecordCommand) run.command()).data().path("petId").asText()).isEqualTo("42");
    }

    private static PushOperation create(long opId, String collection, String id, String data) {
        return new PushOperation(opId, OpType.CREATE, "create", collection, id, null, null, obj(data), null, null);
    }

    private static PushOperation update(long opId, String collection, String id, long base, String data) {
        return new PushOperation(opId, OpType.UPDATE, "update", collection, id, null, base, obj(data),
                Instant.parse("2026-12-01T10:00:00Z"), null);
    }

    private static ObjectNode obj(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static final class FakePush implements OpPlanner.Facts {
        final SyncPrincipal caller;
        final Map<RecordKey, RecordView> records = new HashMap<>();
        final Map<String, PushStore.TempId> tempIds = new HashMap<>();
        final Set<RecordKey> touched = new HashSet<>();
        final List<RecordKey> reads = new java.util.ArrayList<>();
        long nextId = 1;

        FakePush(SyncPrincipal caller) {
            this.caller = caller;
        }

        void put(RecordView view) {
            records.put(view.key(), view);
        }

        @Override
        public SyncPrincipal caller() {
            return caller;
        }

        @Override
        public String deviceId() {
            return "dev-1";
        }

        @Override
        public Instant now() {
            return Instant.parse("2026-12-03T12:00:00Z");
        }

        @Override
        public Optional<RecordView> record(RecordKey key) {
            reads.add(key);
            return Optional.ofNullable(records.get(key));
        }

        @Override
        public Optional<PushStore.TempId> tempId(String tempId) {
            return Optional.ofNullable(tempIds.get(tempId));
        }

        @Override
        public PushStore.TempId assignId(String tempId, String collection) {
            PushStore.TempId id = new PushStore.TempId(collection, Long.toString(nextId++));
            tempIds.put(tempId, id);
            return id;
        }

        @Override
        public boolean knownNew(RecordKey key) {
            return !records.containsKey(key) && !touched.contains(key);
        }

        @Override
        public void touch(RecordKey key) {
            touched.add(key);
        }
    }
}
