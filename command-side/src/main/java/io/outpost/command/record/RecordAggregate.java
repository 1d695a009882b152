package io.outpost.command.record;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;


import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.ChangeStamp;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictStrategy;
import io.outpost.command.api.ConflictIds;
import io.outpost.command.api.ConflictParkedEvent;
import io.outpost.command.api.ConflictResolution;
import io.outpost.command.api.ConflictResolvedEvent;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.CreateRecordCommand;
import io.outpost.command.api.DeleteRecordCommand;
import io.outpost.command.api.EventChain;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.MemoryFootprint;
import io.outpost.command.api.MergePatch;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationConflictedEvent;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.OperationRejectedEvent;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordDeletedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUnchangedEvent;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.RecordView;
import io.outpost.command.api.StateJson;
import io.outpost.command.api.SyncMetaData;
import io.outpost.command.api.RejectionCode;
import io.outpost.command.api.ResolutionRefusedException;
import io.outpost.command.api.ResolveConflictCommand;
import io.outpost.command.api.ResolvedConflict;
import io.outpost.command.api.IncrementRecordCommand;
import io.outpost.command.api.UpdateRecordCommand;
import io.outpost.command.policy.ConflictFacts;
import io.outpost.command.policy.ConflictPolicies;
import io.outpost.command.policy.Decision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.serialization.Revision;
import org.axonframework.spring.stereotype.Aggregate;

/**
 * One record. Its {@code version} counts accepted changes (events that change nothing do not bump it), and
 * {@code fieldVersions} remembers which version last changed each top-level field, so the merge overlap test needs
 * no history read. Its snapshots are its fields as JSON (transient fields left out). Every command leaves exactly one event and returns the operation's outcome; conflicts and
 * rejections are outcomes, never exceptions.
 */
@Aggregate(lockFactory = "recordLockFactory", cache = "recordCache",
        commandTargetResolver = RecordCommandTargetResolver.BEAN, snapshotTriggerDefinition = "recordSnapshotTrigger")
@Revision(RecordAggregate.SNAPSHOT_REVISION)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
class RecordAggregate implements MemoryFootprint {

    /**
     * The form of this class's snapshots (its fields, as JSON). Change it with the fields: Axon then ignores older
     * snapshots and replays the whole stream.
     */
    static final String SNAPSHOT_REVISION = "3";

    /** Reads and writes {@link #data}: plain Jackson, numbers as the request parser and the event serializer read them. */
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    /** The answer to data holding an unpaired surrogate ({@link StateJson.Text#unicode}). */
    static final String NOT_UNICODE = "data holds text that is not Unicode: an unpaired surrogate (a \\ud800-\\udfff "
            + "escape without its pair)";

    @AggregateIdentifier
    private String id;
    private RecordKey key;
    private boolean exists;
    private boolean deleted;
    private long version;
    /**
     * The last live state as compact JSON (UTF-8): a cached record keeps one array instead of a tree of a node, an
     * entry and a string per field, which is what bounds how many records the cache holds and what the GC traces.
     */
    private byte[] data;
    /** The collection's schema version {@link #data} is in (docs/schema-versions.md). */
    private int schemaVersion = 1;
    private String createdBy;
    private ChangeStamp stamp;
    private final FieldVersions fieldVersions = new FieldVersions();
    private final Map<String, OpenConflict> openConflicts = new LinkedHashMap<>();
    private final Set<String> resolvedConflicts = new HashSet<>();
    /** Hash of the newest event of this record's stream ({@link EventChain}). */
    private String lastHash = EventChain.GENESIS;
    /**
     * {@link #data} as a tree while a command is handled (parsed on first use, or the tree of the event just applied);
     * dropped when the command returns, so the cache holds only the bytes. A {@link #view()} parses it too and leaves
     * it for the command that usually follows in the same push (an update's planner reads the record first).
     */
    private transient ObjectNode tree;
    /**
     * The state as stored, while {@link #tree} holds it upgraded to the collection's current schema version for the
     * command being handled ({@link #inCurrentShape}); null when no upgrade was needed.
     */
    private transient ObjectNode storedShape;
    /** The event {@link #record} is applying and its hash, so its handler need not hash it a second time. */
    private transient Object chaining;
    private transient String chainingHash;
    /** The operation the command being handled carries; its events are stamped with it ({@link #record}). */
    private transient OpContext current;
    private transient String currentTenant;

    /** A parked operation waiting for a person: what it tried, against which version, whose it was. */
    private record OpenConflict(String opType, long baseVersion, JsonNode attempt, List<String> fields,
                                String userId) {
    }

    RecordAggregate() {
        // created by Axon, either to replay a stream or for a create of a new id
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.ALWAYS)
    OperationOutcome handle(CreateNewRecordCommand cmd, CollectionCatalog catalog) {
        return handle(cmd.asCreate(), catalog);
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    OperationOutcome handle(CreateRecordCommand cmd, CollectionCatalog catalog) {
        return handling(() -> create(cmd, catalog));
    }

    @CommandHandler
    OperationOutcome handle(UpdateRecordCommand cmd, CollectionCatalog catalog) {
        return handling(() -> update(cmd, catalog));
    }

    @CommandHandler
    OperationOutcome handle(IncrementRecordCommand cmd, CollectionCatalog catalog) {
        return handling(() -> increment(cmd, catalog));
    }

    @CommandHandler
    OperationOutcome handle(DeleteRecordCommand cmd, CollectionCatalog catalog) {
        return handling(() -> delete(cmd, catalog));
    }

    @CommandHandler
    ConflictResolution handle(ResolveConflictCommand cmd, CollectionCatalog catalog) {
        return handling(() -> resolve(cmd, catalog));
    }

    // ------------------------------------------------------------------------------------------------ commands

    private OperationOutcome create(CreateRecordCommand cmd, CollectionCatalog catalog) {
        current = cmd.op();
        currentTenant = cmd.key().tenant();
        Optional<CollectionRules> found = catalog.find(cmd.key().collection());
        if (found.isEmpty()) return unknownCollection(cmd.key(), "create");
        CollectionRules rules = found.get();
        inCurrentShape(rules);
        ObjectNode candidate = MergePatch.apply(cmd.data(), cmd.derived());
        ChangeStamp attempt = ChangeStamp.of(cmd.op());
        if (!exists) {
            Optional<OperationOutcome> invalid = check(cmd.key(), "create", rules, candidate);
            if (invalid.isPresent()) return invalid.get();
            record(new RecordCreatedEvent(cmd.key(), 1, candidate, cmd.op().userId(), attempt,
                    rules.schemaVersions().current()));
            return OperationOutcome.applied(version);
        }
        if (!deleted && state().equals(candidate)) {
            record(new RecordUnchangedEvent(key, version, RecordUnchangedEvent.CREATE_REPEATED));
            return OperationOutcome.unchanged(version);
        }
        List<String> overlap = new ArrayList<>();
        candidate.fieldNames().forEachRemaining(f -> {
            if (deleted || state().has(f) && !state().get(f).equals(candidate.get(f))) overlap.add(f);
        });
        Decision decision = ConflictPolicies.of(rules.strategy(), rules.onOverlap())
                .decide(new ConflictFacts(0, version, deleted, overlap, attempt, stamp));
        ResolvedConflict resolved = new ResolvedConflict(rules.strategy().configName(), 0, version, overlap);
        if (decision instanceof Decision.Overwrite) {
            return change(rules, "create", candidate, resolved, attempt, overwriteStatus(rules));
        } else if (decision instanceof Decision.Merge) {
            return change(rules, "create", MergePatch.apply(state(), candidate), resolved, attempt,
                    OperationOutcome.Status.MERGED);
        } else if (decision instanceof Decision.Reject r) {
            return conflicted(rules, "create", 0, r.fields(), cmd.data());
        }
        return park("create", 0, ((Decision.Park) decision).fields(), candidate, cmd.op());
    }

    private OperationOutcome update(UpdateRecordCommand cmd, CollectionCatalog catalog) {
        current = cmd.op();
        currentTenant = cmd.key().tenant();
        Optional<CollectionRules> found = catalog.find(cmd.key().collection());
        if (found.isEmpty()) return unknownCollection(cmd.key(), "update");
        CollectionRules rules = found.get();
        if (!exists) return notFound(cmd.key(), "update");
        inCurrentShape(rules);
        ObjectNode candidate = MergePatch.apply(MergePatch.apply(state(), cmd.patch()), cmd.derived());
        ChangeStamp attempt = ChangeStamp.of(cmd.op());
        if (!deleted && cmd.baseVersion() == version) {
            return change(rules, "update", candidate, null, attempt, OperationOutcome.Status.APPLIED);
        }
        // a baseVersion ahead of the record (a server restored from a backup): what changed in between is unknown
        boolean ahead = cmd.baseVersion() > version;
        List<String> overlap = new ArrayList<>();
        cmd.patch().fieldNames().forEachRemaining(f -> {
            if (deleted || ahead || fieldVersions.of(f) > cmd.baseVersion()) overlap.add(f);
        });
        Decision decision = ConflictPolicies.of(rules.strategy(), rules.onOverlap())
                .decide(new ConflictFacts(cmd.baseVersion(), version, deleted, overlap, attempt, stamp));
        ResolvedConflict resolved = new ResolvedConflict(rules.strategy().configName(), cmd.baseVersion(), version,
                overlap);
        if (decision instanceof Decision.Overwrite) {
            return change(rules, "update", candidate, resolved, attempt, overwriteStatus(rules));
        } else if (decision instanceof Decision.Merge) {
            return change(rules, "update", candidate, resolved, attempt, OperationOutcome.Status.MERGED);
        } else if (decision instanceof Decision.Reject r) {
            return conflicted(rules, "update", cmd.baseVersion(), r.fields(), cmd.patch());
        }
        return park("update", cmd.baseVersion(), ((Decision.Park) decision).fields(),
                MergePatch.apply(cmd.patch(), cmd.derived()), cmd.op());
    }

    /**
     * Adds the deltas to the current values (a missing field counts as 0): never a conflict, since increments
     * commute. Integers stay integers; a decimal on either side makes the sum a decimal. The history's patch is the
     * delta itself; the result carries the whole record.
     */
    private OperationOutcome increment(IncrementRecordCommand cmd, CollectionCatalog catalog) {
        current = cmd.op();
        currentTenant = cmd.key().tenant();
        Optional<CollectionRules> found = catalog.find(cmd.key().collection());
        if (found.isEmpty()) return unknownCollection(cmd.key(), "increment");
        CollectionRules rules = found.get();
        if (!exists || deleted) return notFound(cmd.key(), "increment");
        inCurrentShape(rules);
        List<FieldError> errors = new ArrayList<>();
        ObjectNode next = state().deepCopy();
        cmd.deltas().fields().forEachRemaining(f -> {
            JsonNode delta = f.getValue();
            JsonNode now = next.get(f.getKey());
            if (!rules.counters().contains(f.getKey())) {
                errors.add(new FieldError(f.getKey(), "is not a counter of collection " + rules.name()
                        + " (counters: " + rules.counters() + ")"));
            } else if (!delta.isNumber()) {
                errors.add(new FieldError(f.getKey(), "the delta must be a number"));
            } else if (now != null && !now.isNull() && !now.isNumber()) {
                errors.add(new FieldError(f.getKey(), "holds " + now.getNodeType().name().toLowerCase(Locale.ROOT)
                        + ", not a number"));
            } else {
                next.set(f.getKey(), Counters.add(now, delta));
            }
        });
        if (cmd.deltas().isEmpty()) errors.add(new FieldError("data", "names no counter"));
        if (!errors.isEmpty()) {
            return reject(cmd.key(), "increment", RejectionCode.INVALID_OPERATION,
                    "increment of " + cmd.key().id() + " refused: " + errors.get(0).field() + " "
                            + errors.get(0).message(), errors);
        }
        Optional<OperationOutcome> invalid = check(key, "increment", rules, next);
        if (invalid.isPresent()) return invalid.get();
        List<String> changed = new ArrayList<>();
        cmd.deltas().fieldNames().forEachRemaining(changed::add);
        ObjectNode patch = cmd.deltas().deepCopy();
        if (storedShape != null) {
            // the upgrade changed the state too: the patch shows that, beside the deltas
            patch = MergePatch.apply(MergePatch.diff(storedShape, next), patch);
            patch.fieldNames().forEachRemaining(f -> { if (!changed.contains(f)) changed.add(f); });
        }
        record(new RecordUpdatedEvent(key, version + 1, patch, next, changed, null,
                ChangeStamp.of(cmd.op()), rules.schemaVersions().current()));
        return OperationOutcome.incremented(version, state());
    }

    private OperationOutcome delete(DeleteRecordCommand cmd, CollectionCatalog catalog) {
        current = cmd.op();
        currentTenant = cmd.key().tenant();
        Optional<CollectionRules> found = catalog.find(cmd.key().collection());
        if (found.isEmpty()) return unknownCollection(cmd.key(), "delete");
        CollectionRules rules = found.get();
        if (!exists) return notFound(cmd.key(), "delete");
        inCurrentShape(rules);
        if (deleted) {
            record(new RecordUnchangedEvent(key, version, RecordUnchangedEvent.ALREADY_DELETED));
            return OperationOutcome.unchanged(version);
        }
        ChangeStamp attempt = ChangeStamp.of(cmd.op());
        if (cmd.baseVersion() == version) {
            record(new RecordDeletedEvent(key, version + 1, null, attempt));
            return OperationOutcome.applied(version);
        }
        List<String> overlap = cmd.baseVersion() > version ? fieldNames(state())
                : fieldVersions.changedAfter(cmd.baseVersion());
        Decision decision = ConflictPolicies.of(rules.strategy(), rules.onOverlap())
                .decide(new ConflictFacts(cmd.baseVersion(), version, false, overlap, attempt, stamp));
        if (decision instanceof Decision.Overwrite || decision instanceof Decision.Merge) {
            record(new RecordDeletedEvent(key, version + 1, new ResolvedConflict(rules.strategy().configName(),
                    cmd.baseVersion(), version, overlap), attempt));
            return OperationOutcome.applied(version);
        } else if (decision instanceof Decision.Reject r) {
            return conflicted(rules, "delete", cmd.baseVersion(), r.fields(), null);
        }
        return park("delete", cmd.baseVersion(), ((Decision.Park) decision).fields(), null, cmd.op());
    }

    // ----------------------------------------------------------------------------------------------- decisions

    private OperationOutcome change(CollectionRules rules, String opType, ObjectNode newState,
                                    ResolvedConflict resolved, ChangeStamp attempt, OperationOutcome.Status status) {
        Optional<OperationOutcome> invalid = check(key, opType, rules, newState);
        if (invalid.isPresent()) return invalid.get();
        ObjectNode patch = MergePatch.diff(stateAsStored(), newState);
        List<String> changed = new ArrayList<>();
        patch.fieldNames().forEachRemaining(changed::add);
        record(new RecordUpdatedEvent(key, version + 1, patch, newState, changed, resolved, attempt,
                rules.schemaVersions().current()));
        return status == OperationOutcome.Status.MERGED ? OperationOutcome.merged(version, state())
                : OperationOutcome.applied(version);
    }

    private static OperationOutcome.Status overwriteStatus(CollectionRules rules) {
        // merge with on-overlap client-wins still merges: the client's fields win, the others stay
        return rules.strategy() == ConflictStrategy.MERGE ? OperationOutcome.Status.MERGED
                : OperationOutcome.Status.APPLIED;
    }

    private OperationOutcome conflicted(CollectionRules rules, String opType, long baseVersion, List<String> fields,
                                        JsonNode attempt) {
        record(new OperationConflictedEvent(key, opType, baseVersion, version, rules.strategy().configName(), fields,
                attempt));
        return OperationOutcome.conflict(version, deleted ? null : state(), rules.strategy().configName(), fields,
                reason(opType, baseVersion));
    }

    /** Why an op of this type and base is a conflict with the record as it is. */
    private OperationOutcome.Reason reason(String opType, long baseVersion) {
        if (deleted) return OperationOutcome.Reason.DELETED;
        if ("create".equals(opType)) return OperationOutcome.Reason.EXISTS;
        return baseVersion > version ? OperationOutcome.Reason.AHEAD : OperationOutcome.Reason.STALE;
    }

    private static List<String> fieldNames(ObjectNode data) {
        List<String> names = new ArrayList<>();
        data.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private Optional<OperationOutcome> check(RecordKey target, String opType, CollectionRules rules, ObjectNode data) {
        StateJson.Text text = StateJson.write(data); // kept for setState, the event and the change feed's row
        int bytes = text.utf8().length;
        if (!text.unicode()) {
            return Optional.of(reject(target, opType, RejectionCode.VALIDATION_FAILED, NOT_UNICODE,
                    List.of(new FieldError("data", NOT_UNICODE))));
        }
        if (bytes > CollectionRules.MAX_RECORD_BYTES) {
            return Optional.of(reject(target, opType, RejectionCode.RECORD_TOO_LARGE,
                    "record data is " + bytes + " bytes; the limit is " + CollectionRules.MAX_RECORD_BYTES,
                    List.of()));
        }
        List<FieldError> errors = rules.schema().validate(data);
        if (!errors.isEmpty()) {
            return Optional.of(reject(target, opType, RejectionCode.VALIDATION_FAILED,
                    "data does not match the schema of collection " + rules.name(), errors));
        }
        return Optional.empty();
    }

    private OperationOutcome unknownCollection(RecordKey target, String opType) {
        return reject(target, opType, RejectionCode.UNKNOWN_COLLECTION,
                "collection " + target.collection() + " is not declared", List.of());
    }

    private OperationOutcome notFound(RecordKey target, String opType) {
        return reject(target, opType, RejectionCode.NOT_FOUND, "record " + target.id() + " does not exist",
                List.of());
    }

    private OperationOutcome park(String opType, long baseVersion, List<String> fields, JsonNode attempt,
                                  OpContext op) {
        String conflictId = ConflictIds.of(key, op);
        ObjectNode server = deleted ? null : state();
        record(new ConflictParkedEvent(key, conflictId, opType, baseVersion, version, fields, attempt, server,
                op.userId(), op.deviceId(), op.opId()));
        return OperationOutcome.parked(version, server, conflictId, fields, reason(opType, baseVersion));
    }

    private ConflictResolution resolve(ResolveConflictCommand cmd, CollectionCatalog catalog) {
        current = null; // a person's resolution: its metadata is the resolving request's (correlation)
        OpenConflict open = openConflicts.get(cmd.conflictId());
        if (open == null) {
            if (resolvedConflicts.contains(cmd.conflictId())) {
                throw new ResolutionRefusedException(ResolutionRefusedException.Reason.ALREADY_RESOLVED,
                        "conflict " + cmd.conflictId() + " is already resolved", List.of());
            }
            throw new ResolutionRefusedException(ResolutionRefusedException.Reason.UNKNOWN,
                    "no conflict " + cmd.conflictId(), List.of());
        }
        if (!cmd.admin() && !open.userId().equals(cmd.resolvedBy())) {
            throw new ResolutionRefusedException(ResolutionRefusedException.Reason.NOT_ALLOWED,
                    "only an admin or the user whose operation was parked may resolve it", List.of());
        }
        CollectionRules rules = catalog.find(key.collection()).orElseGet(() -> CollectionRules.defaults(key.collection()));
        inCurrentShape(rules);
        ResolvedConflict resolved = new ResolvedConflict(ConflictStrategy.MANUAL.configName(), open.baseVersion(),
                version, open.fields());
        ChangeStamp stamp = new ChangeStamp(cmd.at(), "resolution:" + cmd.resolvedBy());
        switch (cmd.resolution()) {
            case SERVER -> {
                // the record stays as it is
            }
            case CLIENT -> {
                if ("delete".equals(open.opType())) {
                    if (!deleted) record(new RecordDeletedEvent(key, version + 1, resolved, stamp));
                } else {
                    ObjectNode attempt = (ObjectNode) open.attempt();
                    resolveTo(rules, "create".equals(open.opType()) ? attempt : MergePatch.apply(state(), attempt),
                            resolved, stamp);
                }
            }
            case CUSTOM -> {
                if (cmd.data() == null) {
                    throw new ResolutionRefusedException(ResolutionRefusedException.Reason.INVALID_DATA,
                            "a custom resolution needs data", List.of(new FieldError("data", "is required")));
                }
                resolveTo(rules, cmd.data(), resolved, stamp);
            }
        }
        record(new ConflictResolvedEvent(key, cmd.conflictId(), cmd.resolution().wire(), cmd.resolvedBy(), version));
        return new ConflictResolution(version, deleted ? null : state());
    }

    private void resolveTo(CollectionRules rules, ObjectNode newState, ResolvedConflict resolved, ChangeStamp stamp) {
        StateJson.Text text = StateJson.write(newState);
        int bytes = text.utf8().length;
        List<FieldError> errors = !text.unicode() ? List.of(new FieldError("data", NOT_UNICODE))
                : bytes > CollectionRules.MAX_RECORD_BYTES
                ? List.of(new FieldError("data", "is " + bytes + " bytes; the limit is "
                + CollectionRules.MAX_RECORD_BYTES)) : rules.schema().validate(newState);
        if (!errors.isEmpty()) {
            throw new ResolutionRefusedException(ResolutionRefusedException.Reason.INVALID_DATA,
                    "the resolved data is not valid for collection " + rules.name(), errors);
        }
        ObjectNode patch = MergePatch.diff(stateAsStored(), newState);
        List<String> changed = new ArrayList<>();
        patch.fieldNames().forEachRemaining(changed::add);
        record(new RecordUpdatedEvent(key, version + 1, patch, newState, changed, resolved, stamp,
                rules.schemaVersions().current()));
    }

    private OperationOutcome reject(RecordKey target, String opType, RejectionCode code, String message,
                                    List<FieldError> fields) {
        record(new OperationRejectedEvent(target, target.collection(), target.id(), opType, code, message, fields));
        return OperationOutcome.rejected(code, message, fields);
    }

    /**
     * Applies an event with its place in the record's hash chain in its metadata and, for an operation's command, the
     * operation's tenant, user, device, opId and client timestamp (the same the command message carries, so the
     * events read the same whether the command came through the command bus or RecordOperations).
     */
    private void record(Object event) {
        String hash = EventChain.next(lastHash, event);
        chaining = event;
        chainingHash = hash;
        try {
            apply(event, current == null ? MetaData.with(EventChain.META_KEY, hash) : opMetaData(hash));
        } finally {
            chaining = null;
            chainingHash = null;
        }
    }

    private MetaData opMetaData(String hash) {
        Map<String, Object> meta = SyncMetaData.forOperation(currentTenant, current); // a new map of our own
        meta.put(EventChain.META_KEY, hash);
        return MetaData.from(meta);
    }

    /** Moves the chain on by one event: the hash {@link #record} computed, or (replaying the stream) a new one. */
    private void chain(Object event) {
        lastHash = event == chaining ? chainingHash : EventChain.next(lastHash, event);
    }

    /** The last live state as a tree, parsed from {@link #data} on first use within a command. */
    private ObjectNode state() {
        if (tree == null && data != null) {
            try {
                tree = (ObjectNode) JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException("record " + id + ": unreadable state", e);
            }
        }
        return tree;
    }

    /**
     * Brings a state stored in another schema version of the collection into its current shape for the command being
     * handled, so the command's data, merges, comparisons and answers all speak one shape. The stored bytes change
     * only with the command's event, if it writes one (which then carries the current version).
     */
    private void inCurrentShape(CollectionRules rules) {
        int target = rules.schemaVersions().current();
        if (data == null || schemaVersion == target || storedShape != null) return;
        ObjectNode stored = state();
        tree = rules.schemaVersions().convert(schemaVersion, target, stored);
        storedShape = stored;
    }

    /** The state as stored (before {@link #inCurrentShape}): what the history's patch is a diff from. */
    private ObjectNode stateAsStored() {
        return storedShape != null ? storedShape : state();
    }

    /** Keeps {@code state} as bytes, and as the tree for the rest of the command that applied it. */
    private void setState(ObjectNode state) {
        storedShape = null;
        data = StateJson.of(state).utf8();
        tree = state;
    }

    /**
     * Runs a command's work and then drops the parsed state, so a cached record keeps only its bytes. Called by every
     * command handler around its body.
     */
    private <T> T handling(Supplier<T> work) {
        try {
            return work.get();
        } finally {
            tree = null;
            storedShape = null;
        }
    }

    RecordView view() {
        return exists ? new RecordView(key, version, deleted, state(), createdBy, schemaVersion) : null;
    }

    // ------------------------------------------------------------------------------------------ state changes

    @EventSourcingHandler
    void on(RecordCreatedEvent e) {
        chain(e);
        id = e.key().toString();
        key = e.key();
        exists = true;
        deleted = false;
        version = e.version();
        setState(e.data());
        schemaVersion = e.schemaVersion();
        createdBy = e.createdBy();
        stamp = e.stamp();
        fieldVersions.reset(e.data().fieldNames(), e.version());
    }

    @EventSourcingHandler
    void on(RecordUpdatedEvent e) {
        chain(e);
        version = e.version();
        setState(e.state());
        schemaVersion = e.schemaVersion();
        deleted = false;
        stamp = e.stamp();
        fieldVersions.set(e.changedFields(), e.version());
    }

    @EventSourcingHandler
    void on(RecordDeletedEvent e) {
        chain(e);
        version = e.version();
        deleted = true;
        stamp = e.stamp();
    }

    @EventSourcingHandler
    void on(RecordUnchangedEvent e) {
        chain(e);
    }

    @EventSourcingHandler
    void on(OperationConflictedEvent e) {
        chain(e);
    }

    @EventSourcingHandler
    void on(ConflictParkedEvent e) {
        chain(e);
        openConflicts.put(e.conflictId(), new OpenConflict(e.opType(), e.baseVersion(), e.attempt(), e.fields(),
                e.userId()));
    }

    @EventSourcingHandler
    void on(ConflictResolvedEvent e) {
        chain(e);
        openConflicts.remove(e.conflictId());
        resolvedConflicts.add(e.conflictId());
    }

    @EventSourcingHandler
    void on(OperationRejectedEvent e) {
        chain(e);
        if (id == null && e.key() != null) {
            // a rejected create of a new id still opens the record's stream, so auditors see the attempt
            id = e.key().toString();
            key = e.key();
        }
    }

    /** The record's state, its per-field versions and its conflicts; what a cached copy costs (the cache weighs it). */
    @Override
    public long approximateBytes() {
        long bytes = 160 + MemoryFootprint.of(id) + (key == null ? 0 : 3 * 48)
                + (data == null ? 0 : MemoryFootprint.OBJECT + 8 + data.length) + MemoryFootprint.of(tree)
                + MemoryFootprint.of(createdBy) + MemoryFootprint.of(lastHash) + 96
                + fieldVersions.approximateBytes() + 96L * resolvedConflicts.size();
        for (OpenConflict open : openConflicts.values()) {
            bytes += 160 + MemoryFootprint.of(open.attempt()) + 48L * open.fields().size();
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "RecordAggregate[" + id + " v" + version + (deleted ? " deleted" : "") + "]";
    }

}
