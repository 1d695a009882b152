package io.outpost.api.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.config.OutpostProperties;
import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.Collisions;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.dto.OperationResult;
import io.outpost.api.web.dto.PushResponse;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.CreateRecordCommand;
import io.outpost.command.api.DeleteRecordCommand;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.MergePatch;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.OperationRejectedEvent;
import io.outpost.command.api.RecordCommand;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordLookup;
import io.outpost.command.api.RecordView;
import io.outpost.command.api.RejectionCode;
import io.outpost.command.api.SyncMetaData;
import io.outpost.command.api.UpdateRecordCommand;
import io.outpost.command.api.RecordOperations;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.EventBus;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.ResultMessage;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Processes a push: all its operations in one unit of work and one database transaction. Each operation becomes a
 * command on its record aggregate, run on the aggregate within the push's unit of work ({@link RecordOperations}: no
 * command bus and no nested unit of work per op), or, when it cannot name a record, a free-standing rejection event; the op
 * results are written in the same transaction as the events; the answer is given only after the commit. A push
 * that collides with a concurrent one is retried as a whole a bounded number of times.
 */
@Service
public class PushService {

    private static final Logger log = LoggerFactory.getLogger(PushService.class);

    private final RecordOperations operations;
    private final EventBus events;
    private final TransactionManager transactions;
    private final PushStore store;
    private final DeviceRegistry devices;
    private final RecordLookup records;
    private final CollectionCatalog catalog;
    private final Clock clock;
    private final int maxAttempts;
    private final MeterRegistry meters;
    private final Timer pushTimer;
    private final Semaphore admission;
    static final Duration ADMISSION_WAIT = Duration.ofSeconds(30);

    PushService(RecordOperations operations, EventBus events, TransactionManager transactions, PushStore store,
                DeviceRegistry devices, RecordLookup records, CollectionCatalog catalog, Clock clock, OutpostProperties properties,
                MeterRegistry meters) {
        this.operations = operations;
        this.events = events;
        this.transactions = transactions;
        this.store = store;
        this.devices = devices;
        this.records = records;
        this.catalog = catalog;
        this.clock = clock;
        this.maxAttempts = properties.push().maxAttempts();
        this.admission = new Semaphore(properties.push().effectiveMaxConcurrent(), true);
        this.meters = meters;
        this.pushTimer = Timer.builder("outpost.push.requests").description("push requests, committed or not")
                .publishPercentileHistogram().register(meters);
    }

    public PushResponse push(SyncPrincipal caller, PushRequest request) {
        return pushTimer.record(() -> {
            admit();
            try {
                return pushWithRetries(caller, request);
            } finally {
                admission.release();
            }
        });
    }

    /**
     * Admission control: at most {@code outpost.push.max-concurrent} pushes run at once; the others wait (without
     * using CPU) up to {@link #ADMISSION_WAIT}, then get 503. More concurrent pushes than cores only add lock and
     * connection contention, and starve the change-feed projection of CPU.
     */
    private void admit() {
        try {
            if (!admission.tryAcquire(ADMISSION_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "the server is busy; send the push again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "interrupted; send the push again");
        }
    }

    private PushResponse pushWithRetries(SyncPrincipal caller, PushRequest request) {
        for (int attempt = 1; ; attempt++) {
            try {
                PushResponse response = pushOnce(caller, request);
                count(response);
                return response;
            } catch (RuntimeException e) {
                if (!Collisions.isRetryable(e)) throw e;
                if (attempt >= maxAttempts) {
                    log.warn("push of device {} still collided after {} attempts: {}", request.deviceId(), attempt,
                            e.toString());
                    throw new ApiException(ErrorCode.SERVICE_UNAVAILABLE,
                            "concurrent pushes kept changing the same records; send the push again");
                }
                meters.counter("outpost.push.retries").increment();
                log.debug("push of device {} collided (attempt {}), retrying: {}", request.deviceId(), attempt,
                        e.toString());
                pause(attempt);
            }
        }
    }

    private static DeviceRegistry.PushCounts counts(List<OperationResult> results) {
        long applied = 0, merged = 0, conflicts = 0, rejected = 0, duplicates = 0;
        for (OperationResult r : results) {
            if (Boolean.TRUE.equals(r.duplicate())) duplicates++;
            else if ("applied".equals(r.status())) applied++;
            else if ("merged".equals(r.status())) merged++;
            else if ("conflict".equals(r.status())) conflicts++;
            else rejected++;
        }
        return new DeviceRegistry.PushCounts(applied, merged, conflicts, rejected, duplicates);
    }

    /** Committed op results by status ({@code duplicate} counted apart), for dashboards and alerts. */
    private void count(PushResponse response) {
        for (OperationResult r : response.results()) {
            String status = Boolean.TRUE.equals(r.duplicate()) ? "duplicate" : r.status();
            meters.counter("outpost.push.operations", "status", status).increment();
        }
    }

    private PushResponse pushOnce(SyncPrincipal caller, PushRequest request) {
        MetaData meta = MetaData.with(SyncMetaData.TENANT, caller.tenant())
                .and(SyncMetaData.USER, caller.userId())
                .and(SyncMetaData.DEVICE, request.deviceId());
        UnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(GenericCommandMessage
                .asCommandMessage(new PushBatch(request.deviceId(), request.operations().size()))
                .withMetaData(meta));
        try {
            uow.attachTransaction(transactions);
        } catch (RuntimeException e) {
            uow.rollback(e);
            throw e;
        }
        ResultMessage<PushResponse> result = uow.executeWithResult(
                () -> process(new Push(caller, request.deviceId(), clock.instant(), meta, new HashSet<>(),
                        new HashSet<>()), request));
        if (result.isExceptional()) {
            Throwable failure = result.exceptionResult();
            if (failure instanceof RuntimeException re) throw re;
            if (failure instanceof Error err) throw err;
            throw new IllegalStateException(failure);
        }
        return result.getPayload();
    }

    /**
     * The state of one push attempt. {@code existing}: identifiers of the push's create targets that already have an
     * event stream; {@code touched}: records an op of this push has already addressed.
     */
    private record Push(SyncPrincipal caller, String deviceId, Instant now, MetaData meta, Set<String> existing,
                        Set<RecordKey> touched) {
        String tenant() {
            return caller.tenant();
        }

        /** A create can skip reading the record's stream when nothing exists there and this push has not used it. */
        boolean knownNew(RecordKey key) {
            return !existing.contains(key.toString()) && !touched.contains(key);
        }
    }

    private PushResponse process(Push push, PushRequest request) {
        DeviceRegistry.Device device = devices.lockForPush(push.tenant(), push.deviceId(), push.caller().userId(),
                push.now());
        List<Long> seen = request.operations().stream().map(PushOperation::opId)
                .filter(id -> id <= device.lastOpId()).toList();
        Map<Long, OperationResult> stored = store.storedResults(push.tenant(), push.deviceId(), seen);
        Map<String, PushStore.TempId> tempIds = store.tempIds(push.tenant(), push.deviceId(),
                tempIdCandidates(request));
        push.existing().addAll(store.existingStreams(createTargets(push.tenant(), request, tempIds)));

        List<OperationResult> results = new ArrayList<>(request.operations().size());
        List<OperationResult> fresh = new ArrayList<>(request.operations().size());
        long last = device.lastOpId();
        for (PushOperation op : request.operations()) {
            if (op.opId() <= device.lastOpId()) {
                OperationResult original = stored.get(op.opId());
                results.add(original != null ? original.asDuplicate() : unknownOriginal(op, device.lastOpId()));
                continue;
            }
            OperationResult result = apply(push, tempIds, op);
            results.add(result);
            fresh.add(result);
            last = op.opId();
        }
        store.saveResults(push.tenant(), push.deviceId(), fresh, push.now());
        devices.advance(push.tenant(), push.deviceId(), last, push.now(), counts(results));
        return new PushResponse(last, results);
    }

    private OperationResult apply(Push push, Map<String, PushStore.TempId> tempIds, PushOperation op) {
        if (op.problem() != null) {
            return reject(push, op, op.id(), RejectionCode.INVALID_OPERATION, op.problem().message(),
                    op.problem().fields());
        }
        Optional<CollectionRules> found = catalog.find(op.collection());
        if (found.isEmpty()) {
            return reject(push, op, op.id(), RejectionCode.UNKNOWN_COLLECTION,
                    "collection " + op.collection() + " is not declared on this server", List.of());
        }
        CollectionRules rules = found.get();

        String id;
        String tempId = null;
        if (op.type() == OpType.CREATE && rules.idMode() == CollectionRules.IdMode.SERVER) {
            if (op.id() != null || op.tempId() == null) {
                return reject(push, op, op.id(), RejectionCode.INVALID_OPERATION, "collection " + op.collection()
                        + " assigns ids (id-mode server): send tempId and no id",
                        List.of(new FieldError(op.id() != null ? "id" : "tempId",
                                op.id() != null ? "must be absent" : "is required")));
            }
            tempId = op.tempId();
            PushStore.TempId mapped = tempIds.get(tempId);
            if (mapped == null) {
                mapped = new PushStore.TempId(op.collection(),
                        Long.toString(store.nextId(push.tenant(), op.collection())));
                store.saveTempId(push.tenant(), push.deviceId(), tempId, mapped, push.now());
                tempIds.put(tempId, mapped);
            } else if (!mapped.collection().equals(op.collection())) {
                return reject(push, op, null, RejectionCode.INVALID_OPERATION, "tempId " + tempId
                        + " already names a record of collection " + mapped.collection(), List.of());
            }
            id = mapped.id();
        } else {
            if (op.tempId() != null) {
                return reject(push, op, op.id(), RejectionCode.INVALID_OPERATION,
                        "tempId is only for creates in collections with id-mode server",
                        List.of(new FieldError("tempId", "must be absent")));
            }
            id = realId(tempIds, op.id(), op.collection());
        }
        ObjectNode data = op.data() == null ? null : rewriteReferences(tempIds, rules, op.data());

        RecordKey key = new RecordKey(push.tenant(), op.collection(), id);
        // A plain create needs no read here: the aggregate itself answers a create of an existing id. Updates and
        // deletes load it once (the command then reuses the loaded aggregate); owner collections check visibility.
        boolean needsTarget = op.type() != OpType.CREATE || rules.visibility() == CollectionRules.Visibility.OWNER;
        Optional<RecordView> target = needsTarget ? records.find(key) : Optional.empty();
        if (target.isPresent() && !visible(target.get(), rules, push.caller())
                || target.isEmpty() && op.type() != OpType.CREATE) {
            return reject(push, op, id, RejectionCode.NOT_FOUND, "record " + id + " does not exist", List.of());
        }

        ObjectNode derived = null;
        ObjectNode prospective = switch (op.type()) {
            case CREATE -> data;
            case UPDATE -> MergePatch.apply(target.orElseThrow().data(), data);
            case DELETE -> null;
        };
        if (prospective != null && !rules.references().isEmpty()) {
            Map<String, RecordView> referenced = new HashMap<>();
            List<FieldError> errors = new ArrayList<>();
            rules.references().forEach((field, collection) -> {
                JsonNode value = prospective.get(field);
                if (value == null || value.isNull()) return;
                String refId = RecordKey.idText(value);
                Optional<RecordView> ref = refId == null || !RecordKey.isValidId(refId) ? Optional.empty()
                        : records.find(new RecordKey(push.tenant(), collection, refId));
                Optional<CollectionRules> refRules = catalog.find(collection);
                if (ref.isEmpty() || ref.get().deleted() || refRules.isEmpty()
                        || !visible(ref.get(), refRules.get(), push.caller())) {
                    errors.add(new FieldError(field, "no record " + value + " in collection " + collection));
                } else {
                    referenced.put(field, ref.get());
                }
            });
            if (!errors.isEmpty()) {
                return reject(push, op, id, RejectionCode.INVALID_REFERENCE,
                        "a referenced record does not exist", errors);
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
        push.touched().add(key);
        RecordCommand command = switch (op.type()) {
            case CREATE -> knownNew ? new CreateNewRecordCommand(key, context, data, derived)
                    : new CreateRecordCommand(key, context, data, derived);
            case UPDATE -> new UpdateRecordCommand(key, context, op.baseVersion(), data, derived);
            case DELETE -> new DeleteRecordCommand(key, context, op.baseVersion());
        };
        OperationOutcome outcome = operations.execute(command);
        return result(op, op.collection(), id, tempId, outcome);
    }

    /** A rejection decided before a record could be named: a free-standing event, so the op still leaves one. */
    private OperationResult reject(Push push, PushOperation op, String id, RejectionCode code, String message,
                                   List<FieldError> fields) {
        events.publish(GenericEventMessage.asEventMessage(new OperationRejectedEvent(null, op.collection(), id,
                op.rawType(), code, message, fields)).andMetaData(opMeta(push, op)));
        return result(op, op.collection(), id, op.tempId(), OperationOutcome.rejected(code, message, fields));
    }

    private static MetaData opMeta(Push push, PushOperation op) {
        MetaData meta = push.meta().and(SyncMetaData.OP_ID, op.opId());
        return op.clientTimestamp() == null ? meta
                : meta.and(SyncMetaData.CLIENT_TIMESTAMP, op.clientTimestamp().toString());
    }

    private static OperationResult unknownOriginal(PushOperation op, long lastOpId) {
        return new OperationResult(op.opId(), "rejected", op.collection(), op.id(), op.tempId(), null, null, null,
                null, new OperationResult.Error(RejectionCode.INVALID_OPERATION.wire(), "opId " + op.opId()
                + " is not above the device's last processed opId " + lastOpId
                + " and no result is stored for it; it was not applied", List.of()), true);
    }

    static OperationResult result(PushOperation op, String collection, String id, String tempId,
                                  OperationOutcome outcome) {
        boolean rejected = outcome.status() == OperationOutcome.Status.REJECTED;
        boolean conflict = outcome.status() == OperationOutcome.Status.CONFLICT;
        return new OperationResult(op.opId(), outcome.status().name().toLowerCase(Locale.ROOT), collection, id,
                tempId, rejected ? null : outcome.version(), conflict && outcome.data() == null ? Boolean.TRUE : null,
                outcome.data(),
                outcome.conflict() == null ? null : new OperationResult.Conflict(outcome.conflict().conflictId(),
                        outcome.conflict().strategy(), outcome.conflict().fields()),
                outcome.error() == null ? null : new OperationResult.Error(outcome.error().code().wire(),
                        outcome.error().message(), outcome.error().fields().stream()
                        .map(f -> new OperationResult.FieldMessage(f.field(), f.message())).toList()),
                outcome.duplicate() ? Boolean.TRUE : null);
    }

    private static boolean visible(RecordView record, CollectionRules rules, SyncPrincipal caller) {
        if (rules.visibility() == CollectionRules.Visibility.TENANT || caller.isAdmin()) return true;
        return caller.userId().equals(owner(record, rules));
    }

    /** The owner-field's user, else the creator (PROTOCOL.md, visibility owner). */
    static String owner(RecordView record, CollectionRules rules) {
        String owner = rules.ownerIn(record.data());
        return owner != null ? owner : record.createdBy();
    }

    /** A tempId this device was given a real id for is rewritten to that id (same collection only). */
    private static String realId(Map<String, PushStore.TempId> tempIds, String id, String collection) {
        PushStore.TempId mapped = tempIds.get(id);
        return mapped != null && mapped.collection().equals(collection) ? mapped.id() : id;
    }

    /** Declared reference fields: numbers become their decimal string, known tempIds their real id. */
    private static ObjectNode rewriteReferences(Map<String, PushStore.TempId> tempIds, CollectionRules rules,
                                                ObjectNode data) {
        if (rules.references().isEmpty()) return data;
        ObjectNode copy = null;
        for (Map.Entry<String, String> ref : rules.references().entrySet()) {
            JsonNode value = data.get(ref.getKey());
            String text = RecordKey.idText(value);
            if (text == null) continue;
            String real = realId(tempIds, text, ref.getValue());
            if (!value.isTextual() || !real.equals(text)) {
                if (copy == null) copy = data.deepCopy();
                copy.put(ref.getKey(), real);
            }
        }
        return copy == null ? data : copy;
    }

    /**
     * The aggregate identifiers that the push's client-id creates name (server-assigned ids are new by construction,
     * unless a re-sent tempId maps to an existing one, which is then looked up too).
     */
    private static Set<String> createTargets(String tenant, PushRequest request,
                                             Map<String, PushStore.TempId> tempIds) {
        Set<String> targets = new HashSet<>();
        for (PushOperation op : request.operations()) {
            if (op.type() != OpType.CREATE || op.problem() != null) continue;
            String id = op.id() != null ? realId(tempIds, op.id(), op.collection())
                    : tempIds.containsKey(op.tempId()) ? tempIds.get(op.tempId()).id() : null;
            if (id != null && RecordKey.isValidId(id)) targets.add(new RecordKey(tenant, op.collection(), id).toString());
        }
        return targets;
    }

    private Set<String> tempIdCandidates(PushRequest request) {
        Set<String> candidates = new HashSet<>();
        for (PushOperation op : request.operations()) {
            if (op.id() != null) candidates.add(op.id());
            if (op.tempId() != null) candidates.add(op.tempId());
            if (op.data() == null || op.collection() == null) continue;
            catalog.find(op.collection()).ifPresent(rules -> rules.references().keySet().forEach(field -> {
                String value = RecordKey.idText(op.data().get(field));
                if (value != null) candidates.add(value);
            }));
        }
        return candidates;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5L * attempt, 25L * attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.SERVICE_UNAVAILABLE, "interrupted; send the push again");
        }
    }
}
