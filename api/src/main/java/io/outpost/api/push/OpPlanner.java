package io.outpost.api.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.CreateRecordCommand;
import io.outpost.command.api.DeleteRecordCommand;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.IncrementRecordCommand;
import io.outpost.command.api.MergePatch;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.RecordCommand;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordView;
import io.outpost.command.api.RejectionCode;
import io.outpost.command.api.UpdateRecordCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns one pushed operation into a command on its record or a rejection (PROTOCOL.md, push): the collection's rules,
 * server-assigned ids and tempIds, references and derived fields, visibility. It holds no state and reaches nothing
 * but the {@link Facts} it is given, so it is tested without Spring or a database ({@code OpPlannerTest}); the
 * conflict decisions themselves are the record aggregate's.
 */
final class OpPlanner {

    /** What the planner may ask about the push it plans for; {@link PushService} answers from the database. */
    interface Facts {
        SyncPrincipal caller();

        String deviceId();

        Instant now();

        /** The record as the push sees it so far (its own earlier ops included); empty when it has no stream. */
        Optional<RecordView> record(RecordKey key);

        /** The real id a tempId of this device was given, if any. */
        Optional<PushStore.TempId> tempId(String tempId);

        /** Gives a tempId of this device a new server id in {@code collection}. */
        PushStore.TempId assignId(String tempId, String collection);

        /** True when nothing exists at {@code key} and no op of this push has addressed it. */
        boolean knownNew(RecordKey key);

        /** An op of this push is about to address {@code key}. */
        void touch(RecordKey key);
    }

    private final CollectionCatalog catalog;

    OpPlanner(CollectionCatalog catalog) {
        this.catalog = catalog;
    }

    OpPlan plan(Facts push, PushOperation op) {
        if (op.problem() != null) {
            return reject(op, op.id(), RejectionCode.INVALID_OPERATION, op.problem().message(), op.problem().fields());
        }
        Optional<CollectionRules> found = catalog.find(op.collection());
        if (found.isEmpty()) {
            return reject(op, op.id(), RejectionCode.UNKNOWN_COLLECTION,
                    "collection " + op.collection() + " is not declared on this server", List.of());
        }
        CollectionRules rules = found.get();
        if (!push.caller().allowedBy(rules.writeRoles())) {
            return reject(op, op.id(), RejectionCode.FORBIDDEN, "collection " + op.collection()
                    + " may be written by the roles " + new java.util.TreeSet<>(rules.writeRoles()) + " only",
                    List.of());
        }
        if (rules.appendOnly() && op.type() != OpType.CREATE) {
            return reject(op, op.id(), RejectionCode.FORBIDDEN, "collection " + op.collection()
                    + " is append-only: records are created, never changed or deleted", List.of());
        }

        String id;
        String tempId = null;
        if (op.type() == OpType.CREATE && rules.idMode() == CollectionRules.IdMode.SERVER) {
            if (op.id() != null || op.tempId() == null) {
                return reject(op, op.id(), RejectionCode.INVALID_OPERATION, "collection " + op.collection()
                        + " assigns ids (id-mode server): send tempId and no id",
                        List.of(new FieldError(op.id() != null ? "id" : "tempId",
                                op.id() != null ? "must be absent" : "is required")));
            }
            tempId = op.tempId();
            Optional<PushStore.TempId> known = push.tempId(tempId);
            if (known.isPresent() && !known.get().collection().equals(op.collection())) {
                return reject(op, null, RejectionCode.INVALID_OPERATION, "tempId " + tempId
                        + " already names a record of collection " + known.get().collection(), List.of());
            }
            id = known.orElseGet(() -> push.assignId(op.tempId(), op.collection())).id();
        } else {
            if (op.tempId() != null) {
                return reject(op, op.id(), RejectionCode.INVALID_OPERATION,
                        "tempId is only for creates in collections with id-mode server",
                        List.of(new FieldError("tempId", "must be absent")));
            }
            id = realId(push, op.id(), op.collection());
        }
        PushSchemaVersions.Upgraded upgraded = PushSchemaVersions.upgrade(rules, op);
        if (upgraded instanceof PushSchemaVersions.Upgraded.Invalid invalid) {
            return reject(op, op.id(), RejectionCode.VALIDATION_FAILED, invalid.message(), invalid.fields());
        }
        ObjectNode opData = ((PushSchemaVersions.Upgraded.Data) upgraded).data();
        ObjectNode data = opData == null ? null : rewriteReferences(push, rules, opData);

        RecordKey key = new RecordKey(push.caller().tenant(), op.collection(), id);
        // A plain create needs no read here: the aggregate itself answers a create of an existing id. Updates and
        // deletes load it once (the command then reuses the loaded aggregate); owner collections check visibility.
        boolean needsTarget = op.type() != OpType.CREATE || rules.visibility() == CollectionRules.Visibility.OWNER;
        Optional<RecordView> target = needsTarget ? record(push, key, rules) : Optional.empty();
        if (target.isPresent() && !visible(target.get(), rules, push.caller())
                || target.isEmpty() && op.type() != OpType.CREATE) {
            return reject(op, id, RejectionCode.NOT_FOUND, "record " + id + " does not exist", List.of());
        }

        ObjectNode derived = null;
        // the record as the op would leave it, for its references: only a collection that declares some pays for the
        // merge (the aggregate merges again, against the state it holds when the command runs)
        ObjectNode prospective = rules.references().isEmpty() ? null : switch (op.type()) {
            case CREATE -> data;
            case UPDATE -> MergePatch.apply(target.orElseThrow().data(), data);
            case DELETE, INCREMENT -> null; // an increment changes counters only: no reference or derived field
        };
        if (prospective != null) {
            Map<String, RecordView> referenced = new HashMap<>();
            List<FieldError> errors = new ArrayList<>();
            rules.references().forEach((field, collection) -> {
                JsonNode value = prospective.get(field);
                if (value == null || value.isNull()) return;
                String refId = RecordKey.idText(value);
                Optional<CollectionRules> refRules = catalog.find(collection);
                Optional<RecordView> ref = refId == null || !RecordKey.isValidId(refId) || refRules.isEmpty()
                        ? Optional.empty()
                        : record(push, new RecordKey(push.caller().tenant(), collection, refId), refRules.get());
                if (ref.isEmpty() || ref.get().deleted() || refRules.isEmpty()
                        || !visible(ref.get(), refRules.get(), push.caller())) {
                    errors.add(new FieldError(field, "no record " + value + " in collection " + collection));
                } else {
                    referenced.put(field, ref.get());
                }
            });
            if (!errors.isEmpty()) {
                return reject(op, id, RejectionCode.INVALID_REFERENCE, "a referenced record does not exist", errors);
            }
            if (!rules.derive().isEmpty()) {
                derived = JsonNodeFactory.instance.objectNode();
                for (Map.Entry<String, CollectionRules.Derivation> d : rules.derive().entrySet()) {
                    RecordView source = referenced.get(d.getValue().from());
                    JsonNode value = source == null ? null : source.data().get(d.getValue().field());
                    if (value == null || value.isNull()) derived.putNull(d.getKey());
                    else derived.set(d.getKey(), value.deepCopy());
                }
            }
        }

        OpContext context = new OpContext(op.opId(), push.deviceId(), push.caller().userId(), op.clientTimestamp(),
                push.now());
        boolean knownNew = op.type() == OpType.CREATE && target.isEmpty() && push.knownNew(key);
        push.touch(key);
        RecordCommand command = switch (op.type()) {
            case CREATE -> knownNew ? new CreateNewRecordCommand(key, context, data, derived)
                    : new CreateRecordCommand(key, context, data, derived);
            case UPDATE -> new UpdateRecordCommand(key, context, op.baseVersion(), data, derived);
            case DELETE -> new DeleteRecordCommand(key, context, op.baseVersion());
            case INCREMENT -> new IncrementRecordCommand(key, context, data);
        };
        return new OpPlan.Run(command, id, tempId);
    }

    /** A record as the push sees it, in its collection's current schema shape. */
    private static Optional<RecordView> record(Facts push, RecordKey key, CollectionRules rules) {
        return push.record(key).map(view -> PushSchemaVersions.current(rules, view));
    }

    private static OpPlan reject(PushOperation op, String id, RejectionCode code, String message,
                                 List<FieldError> fields) {
        return new OpPlan.Reject(id, op.tempId(), code, message, fields);
    }

    static boolean visible(RecordView record, CollectionRules rules, SyncPrincipal caller) {
        if (rules.visibility() == CollectionRules.Visibility.TENANT || caller.isAdmin()) return true;
        return caller.userId().equals(owner(record, rules));
    }

    /** The owner-field's user, else the creator (PROTOCOL.md, visibility owner). */
    static String owner(RecordView record, CollectionRules rules) {
        String owner = rules.ownerIn(record.data());
        return owner != null ? owner : record.createdBy();
    }

    private static String realId(Facts push, String id, String collection) {
        return id == null ? null : realId(push.tempId(id).orElse(null), id, collection);
    }

    /** A tempId this device was given a real id for ({@code mapped}) is rewritten to that id (same collection only). */
    static String realId(PushStore.TempId mapped, String id, String collection) {
        return mapped != null && mapped.collection().equals(collection) ? mapped.id() : id;
    }

    /** Declared reference fields: numbers become their decimal string, known tempIds their real id. */
    private static ObjectNode rewriteReferences(Facts push, CollectionRules rules, ObjectNode data) {
        if (rules.references().isEmpty()) return data;
        ObjectNode copy = null;
        for (Map.Entry<String, String> ref : rules.references().entrySet()) {
            JsonNode value = data.get(ref.getKey());
            String text = RecordKey.idText(value);
            if (text == null) continue;
            String real = realId(push, text, ref.getValue());
            if (!value.isTextual() || !real.equals(text)) {
                if (copy == null) copy = data.deepCopy();
                copy.put(ref.getKey(), real);
            }
        }
        return copy == null ? data : copy;
    }
}
