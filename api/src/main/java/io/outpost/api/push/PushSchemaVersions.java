package io.outpost.api.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.dto.OperationResult;
import io.outpost.api.web.dto.PushResponse;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordView;
import io.outpost.command.api.schema.SchemaStep;
import io.outpost.command.api.schema.SchemaVersions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The schema versions of a push (docs/schema-versions.md): every op names the collection schema version its data was
 * written in ({@code schemaVersion}; none: the current one).
 * <ul>
 * <li>{@link #admit}: a version older than the collection's {@code min-schema-version} refuses the whole push, 400
 * {@code upgrade_required}, and one the server does not know 400 {@code schema_version_unsupported}; nothing is
 * applied, so the device keeps its queue until it is updated.</li>
 * <li>{@link #upgrade}: the op's data in the current shape, before the planner reads it.</li>
 * <li>{@link #answer}: data in results (merged state, a conflict's server state) in the shape the op was written in.</li>
 * </ul>
 */
final class PushSchemaVersions {

    private PushSchemaVersions() {
    }

    /** Refuses a push that holds an op of a version the server no longer accepts or does not know. */
    static void admit(CollectionCatalog catalog, PushRequest request) {
        List<PushOperation> ops = request.operations();
        for (int i = 0; i < ops.size(); i++) {
            PushOperation op = ops.get(i);
            if (op.schemaVersion() == null || op.problem() != null) continue;
            Optional<CollectionRules> rules = catalog.find(op.collection());
            if (rules.isEmpty()) continue; // answered unknown_collection by the planner
            refuseUnless(rules.get(), op.schemaVersion(), "operations[" + i + "].schemaVersion");
        }
    }

    /** Throws the problem a device declaring {@code version} of the collection gets, unless it is accepted. */
    static void refuseUnless(CollectionRules rules, int version, String field) {
        SchemaVersions versions = rules.schemaVersions();
        switch (versions.admit(version)) {
            case ACCEPTED -> {
            }
            case TOO_OLD -> {
                String message = "collection " + rules.name() + " no longer accepts schema version " + version
                        + " (oldest accepted " + versions.min() + ", current " + versions.current()
                        + "): update the app";
                throw new ApiException(ErrorCode.UPGRADE_REQUIRED, message, List.of(new FieldError(field, message)));
            }
            case UNKNOWN -> {
                String message = "collection " + rules.name() + " has schema versions 1 to " + versions.current()
                        + ", not " + version;
                throw new ApiException(ErrorCode.SCHEMA_VERSION_UNSUPPORTED, message,
                        List.of(new FieldError(field, message)));
            }
        }
    }

    /** What {@link #upgrade} gives: the op's data in the current shape, or why it cannot be. */
    sealed interface Upgraded {
        record Data(ObjectNode data) implements Upgraded {
        }

        record Invalid(String message, List<FieldError> fields) implements Upgraded {
        }
    }

    /**
     * The op's data (a create's record, an update's patch, an increment's deltas) in the collection's current shape.
     * A create of an older version is first checked against that version's schema, when it declares one, so its errors
     * name the fields the app knows.
     */
    static Upgraded upgrade(CollectionRules rules, PushOperation op) {
        SchemaVersions versions = rules.schemaVersions();
        int from = versions.orCurrent(op.schemaVersion());
        if (op.data() == null || from == versions.current()) return new Upgraded.Data(op.data());
        if (op.type() == OpType.CREATE) {
            List<FieldError> errors = versions.schemaOf(from).map(s -> s.validate(op.data())).orElse(List.of());
            if (!errors.isEmpty()) {
                return new Upgraded.Invalid("data does not match schema version " + from + " of collection "
                        + rules.name(), errors);
            }
        }
        try {
            return new Upgraded.Data(op.type() == OpType.CREATE ? versions.upgrade(from, op.data())
                    : versions.upgradePatch(from, op.data()));
        } catch (SchemaStep.StepFailedException e) {
            return new Upgraded.Invalid("data of schema version " + from + " cannot be upgraded: " + e.getMessage(),
                    List.of(new FieldError(e.field(), e.reason())));
        }
    }

    /** A record as the planner reads it (owner, references, derived fields): in the current shape. */
    static RecordView current(CollectionRules rules, RecordView view) {
        int current = rules.schemaVersions().current();
        if (view.schemaVersion() == current || view.data() == null) return view;
        return new RecordView(view.key(), view.version(), view.deleted(),
                rules.schemaVersions().convert(view.schemaVersion(), current, view.data()), view.createdBy(), current);
    }

    /** The response with the data of each op of an older version in that version's shape. */
    static PushResponse answer(CollectionCatalog catalog, PushRequest request, PushResponse response) {
        List<PushOperation> ops = request.operations();
        if (ops.stream().allMatch(op -> op.schemaVersion() == null)) return response;
        java.util.Map<Long, PushOperation> byOpId = new java.util.HashMap<>();
        ops.forEach(op -> byOpId.put(op.opId(), op));
        List<OperationResult> results = new ArrayList<>(response.results().size());
        for (OperationResult r : response.results()) {
            PushOperation op = byOpId.get(r.opId());
            JsonNode data = r.data();
            if (op == null || op.schemaVersion() == null || !(data instanceof ObjectNode record)) {
                results.add(r);
                continue;
            }
            SchemaVersions versions = catalog.find(op.collection()).map(CollectionRules::schemaVersions)
                    .orElse(SchemaVersions.SINGLE);
            results.add(new OperationResult(r.opId(), r.status(), r.collection(), r.id(), r.tempId(), r.version(),
                    r.deleted(), versions.convert(versions.current(), op.schemaVersion(), record), r.conflict(),
                    r.error(), r.duplicate()));
        }
        return new PushResponse(response.lastProcessedOpId(), results);
    }
}
