package io.outpost.api.push;

import io.outpost.api.database.DatabaseAvailability;
import io.outpost.api.config.OutpostProperties;
import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.Collisions;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.dto.OperationResult;
import io.outpost.api.web.dto.PushResponse;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.OperationRejectedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordLookup;
import io.outpost.command.api.RecordView;
import io.outpost.command.api.RejectionCode;
import io.outpost.command.api.SyncMetaData;
import io.outpost.command.api.RecordOperations;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
    private final OpPlanner planner;
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
    private final Timer admissionWait;
    private final Counter retries;
    private final Semaphore admission;
    private final Map<String, Counter> operationCounters = new java.util.concurrent.ConcurrentHashMap<>();
    private final DatabaseAvailability database;
    static final Duration ADMISSION_WAIT = Duration.ofSeconds(30);

    PushService(RecordOperations operations, EventBus events, TransactionManager transactions, PushStore store,
                DeviceRegistry devices, RecordLookup records, CollectionCatalog catalog, Clock clock, OutpostProperties properties,
                MeterRegistry meters, DatabaseAvailability database) {
        this.database = database;
        this.operations = operations;
        this.planner = new OpPlanner(catalog);
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
        this.retries = Counter.builder("outpost.push.retries")
                .description("pushes tried again after colliding with concurrent ones").register(meters);
        this.admissionWait = Timer.builder("outpost.push.admission.wait")
                .description("how long pushes waited for admission (outpost.push.max-concurrent)")
                .publishPercentileHistogram().register(meters);
        Gauge.builder("outpost.push.waiting", admission, Semaphore::getQueueLength)
                .description("pushes waiting for admission now").register(meters);
    }

    /**
     * Runs {@code work} (reading a push request and {@link #push pushing} it) once admitted: timed as a push request,
     * admission wait included.
     */
    public <T> T admitted(java.util.function.Supplier<T> work) {
        return pushTimer.record(() -> {
            admit();
            try {
                return work.get();
            } finally {
                admission.release();
            }
        });
    }

    /** Applies a push, retrying it as a whole after collisions; only within {@link #admitted}. */
    PushResponse push(SyncPrincipal caller, PushRequest request) {
        return pushWithRetries(caller, request);
    }

    /**
     * Admission control: at most {@code outpost.push.max-concurrent} pushes run at once; the others wait (without
     * using CPU) up to {@link #ADMISSION_WAIT}, then get 503. More concurrent pushes than cores only add lock and
     * connection contention, and starve the change-feed projection of CPU.
     */
    private void admit() {
        long start = System.nanoTime();
        try {
            // one wait in the fair queue (a push that timed out and queued again would lose its place)
            boolean admitted = admission.tryAcquire(ADMISSION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            admissionWait.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            if (admitted && database.isDown()) {
                // the pushes ahead of it failed fast on the dead database; the queue drains with prompt 503s
                admission.release();
                throw new ApiException(ErrorCode.SERVICE_UNAVAILABLE,
                        "the database is unavailable; nothing was changed; send the push again later");
            }
            if (!admitted) {
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
                retries.increment();
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

    /**
     * Committed op results by status ({@code duplicate} counted apart), for dashboards and alerts: one increment per
     * status and push (a registry lookup per op was ~1 % of a push's CPU).
     */
    private void count(PushResponse response) {
        Map<String, Integer> byStatus = new HashMap<>(8);
        for (OperationResult r : response.results()) {
            byStatus.merge(Boolean.TRUE.equals(r.duplicate()) ? "duplicate" : r.status(), 1, Integer::sum);
        }
        byStatus.forEach((status, n) -> operationCounters.computeIfAbsent(status,
                k -> meters.counter("outpost.push.operations", "status", k)).increment(n));
    }

    /**
     * One attempt. A push without op groups is one unit of work and one transaction. With groups (contract v1.2) it
     * runs in segments, in order, each its own transaction: every group alone, and the runs of ungrouped ops between
     * them. A group whose op fails ({@link GroupFailed}) is rolled back whole, and its results are then recorded in a
     * transaction of their own. The answer is sent after the last commit, so every result in it is durable; after a
     * failure in a later segment the client re-sends the push and gets the committed segments as duplicates.
     */
    private PushResponse pushOnce(SyncPrincipal caller, PushRequest request) {
        if (request.operations().stream().allMatch(op -> op.group() == null)) {
            return inUnitOfWork(caller, request, () -> process(new Push(caller, request.deviceId(), clock.instant()),
                    request.operations(), false));
        }
        List<List<PushOperation>> segments = segments(request.operations());
        List<OperationResult> results = new ArrayList<>(request.operations().size());
        long last = 0;
        for (List<PushOperation> segment : segments) {
            boolean group = segment.get(0).group() != null;
            PushResponse part;
            try {
                part = inUnitOfWork(caller, request, () -> process(new Push(caller, request.deviceId(),
                        clock.instant()), segment, group));
            } catch (GroupFailed failed) {
                part = inUnitOfWork(caller, request, () -> recordFailedGroup(new Push(caller, request.deviceId(),
                        clock.instant()), segment, failed));
            }
            results.addAll(part.results());
            last = Math.max(last, part.lastProcessedOpId());
        }
        return new PushResponse(last, results);
    }

    /** The ops in order, cut where the group changes: each group alone, ungrouped runs together. */
    static List<List<PushOperation>> segments(List<PushOperation> ops) {
        List<List<PushOperation>> segments = new ArrayList<>();
        List<PushOperation> current = new ArrayList<>();
        for (PushOperation op : ops) {
            if (!current.isEmpty() && !java.util.Objects.equals(current.get(0).group(), op.group())) {
                segments.add(current);
                current = new ArrayList<>();
            }
            current.add(op);
        }
        segments.add(current);
        return segments;
    }

    /** The op of a group that would not apply, with its result: the group's transaction is rolled back. */
    private static final class GroupFailed extends RuntimeException {
        final PushOperation culprit;
        final OperationResult result;

        GroupFailed(PushOperation culprit, OperationResult result) {
            super("op " + culprit.opId() + " of group " + culprit.group() + " failed", null, false, false);
            this.culprit = culprit;
            this.result = result;
        }
    }

    private PushResponse inUnitOfWork(SyncPrincipal caller, PushRequest request,
                                      java.util.function.Supplier<PushResponse> work) {
        MetaData meta = MetaData.with(SyncMetaData.TENANT, caller.tenant())
                .and(SyncMetaData.USER, caller.userId())
                .and(SyncMetaData.DEVICE, request.deviceId());
        UnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(GenericCommandMessage
                .asCommandMessage(new PushBatch(request.deviceId(), request.operations().size()))
                .withMetaData(meta));
        // no connection for the transaction: Axon rolls the unit of work back itself and rethrows (a second rollback
        // here would replace the database failure, answered 503, by an IllegalStateException, answered 500)
        uow.attachTransaction(transactions);
        ResultMessage<PushResponse> result = uow.executeWithResult(work::get);
        if (result.isExceptional()) {
            Throwable failure = result.exceptionResult();
            if (failure instanceof RuntimeException re) throw re;
            if (failure instanceof Error err) throw err;
            throw new IllegalStateException(failure);
        }
        return result.getPayload();
    }

    /**
     * The state of one push attempt, and the {@link OpPlanner.Facts} its ops are planned with. {@code existing}:
     * identifiers of the push's create targets that already have an event stream; {@code touched}: records an op of
     * this push has already addressed; {@code tempIds}: this device's tempIds the push uses, and those it assigns.
     */
    private final class Push implements OpPlanner.Facts {
        final SyncPrincipal caller;
        final String deviceId;
        final Instant now;
        final Set<String> existing = new HashSet<>();
        final Set<RecordKey> touched = new HashSet<>();
        final Map<String, PushStore.TempId> tempIds = new HashMap<>();

        Push(SyncPrincipal caller, String deviceId, Instant now) {
            this.caller = caller;
            this.deviceId = deviceId;
            this.now = now;
        }

        String tenant() {
            return caller.tenant();
        }

        @Override
        public SyncPrincipal caller() {
            return caller;
        }

        @Override
        public String deviceId() {
            return deviceId;
        }

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public Optional<RecordView> record(RecordKey key) {
            return records.find(key);
        }

        @Override
        public Optional<PushStore.TempId> tempId(String tempId) {
            return Optional.ofNullable(tempIds.get(tempId));
        }

        @Override
        public PushStore.TempId assignId(String tempId, String collection) {
            PushStore.TempId assigned = new PushStore.TempId(collection,
                    Long.toString(store.nextId(tenant(), collection)));
            store.saveTempId(tenant(), deviceId, tempId, assigned, now);
            tempIds.put(tempId, assigned);
            return assigned;
        }

        /** A create can skip reading the record's stream when nothing exists there and this push has not used it. */
        @Override
        public boolean knownNew(RecordKey key) {
            return !existing.contains(key.toString()) && !touched.contains(key);
        }

        @Override
        public void touch(RecordKey key) {
            touched.add(key);
        }
    }

    /**
     * Runs {@code ops} in the current unit of work. {@code atomic} (an op group): the first op that is rejected or a
     * conflict its strategy does not resolve ends the attempt with {@link GroupFailed}, which rolls it back.
     */
    private PushResponse process(Push push, List<PushOperation> ops, boolean atomic) {
        DeviceRegistry.Device device = devices.lockForPush(push.tenant(), push.deviceId, push.caller.userId(),
                push.now);
        List<Long> seen = ops.stream().map(PushOperation::opId)
                .filter(id -> id <= device.lastOpId()).toList();
        Map<Long, PushStore.Stored> stored = store.storedResults(push.tenant(), push.deviceId, seen);
        push.tempIds.putAll(store.tempIds(push.tenant(), push.deviceId, tempIdCandidates(ops)));
        push.existing.addAll(store.existingStreams(createTargets(push.tenant(), ops, push.tempIds)));

        List<OperationResult> results = new ArrayList<>(ops.size());
        List<OperationResult> fresh = new ArrayList<>(ops.size());
        List<byte[]> digests = new ArrayList<>(ops.size());
        long last = device.lastOpId();
        for (PushOperation op : ops) {
            if (op.opId() <= device.lastOpId()) {
                PushStore.Stored original = stored.get(op.opId());
                if (original == null) {
                    results.add(unknownOriginal(op, device.lastOpId()));
                } else if (original.digest() != null && !Arrays.equals(original.digest(), OpDigest.of(op))) {
                    results.add(reused(op));
                } else {
                    results.add(original.result().asDuplicate());
                }
                continue;
            }
            OperationResult result = apply(push, op);
            if (atomic && ("rejected".equals(result.status()) || "conflict".equals(result.status()))) {
                throw new GroupFailed(op, result);
            }
            results.add(result);
            fresh.add(result);
            digests.add(OpDigest.of(op));
            last = op.opId();
        }
        store.saveResults(push.tenant(), push.deviceId, fresh, digests, push.now);
        devices.advance(push.tenant(), push.deviceId, last, push.now, counts(results));
        return new PushResponse(last, results);
    }

    /**
     * The results of a group that did not apply (its attempt was rolled back): the culprit gets its own result (a
     * {@code manual} conflict not parked: no conflictId), every other op {@code rejected / group_failed} naming it.
     * Each op leaves one free-standing rejection event, so the audit trail shows the attempt.
     */
    private PushResponse recordFailedGroup(Push push, List<PushOperation> ops, GroupFailed failed) {
        DeviceRegistry.Device device = devices.lockForPush(push.tenant(), push.deviceId, push.caller.userId(),
                push.now);
        if (ops.get(0).opId() <= device.lastOpId()) {
            // a re-send of this push got here first and recorded the group: answer from its stored results
            return process(push, ops, true);
        }
        List<OperationResult> results = new ArrayList<>(ops.size());
        List<byte[]> digests = new ArrayList<>(ops.size());
        long last = device.lastOpId();
        String cause = failed.result.error() != null ? failed.result.error().code() : failed.result.status();
        for (PushOperation op : ops) {
            String collection = op.collection() != null && RecordKey.isValidCollection(op.collection())
                    ? op.collection() : null;
            String id = op.id() != null && RecordKey.isValidId(op.id()) ? op.id() : null;
            String tempId = op.tempId() != null && RecordKey.isValidId(op.tempId()) ? op.tempId() : null;
            OperationResult result;
            RejectionCode code;
            String message;
            if (op.opId() == failed.culprit.opId()) {
                OperationResult.Conflict c = failed.result.conflict();
                result = c == null ? failed.result : new OperationResult(failed.result.opId(), failed.result.status(),
                        failed.result.collection(), failed.result.id(), failed.result.tempId(),
                        failed.result.version(), failed.result.deleted(), failed.result.data(),
                        new OperationResult.Conflict(null, c.strategy(), c.fields(), c.reason()), null, null);
                code = failed.result.error() != null ? RejectionCode.valueOf(failed.result.error().code()
                        .toUpperCase(Locale.ROOT)) : RejectionCode.GROUP_FAILED;
                message = (failed.result.error() != null ? failed.result.error().message()
                        : "conflict (" + c.strategy() + ")") + "; no op of group " + op.group() + " was applied";
            } else {
                code = RejectionCode.GROUP_FAILED;
                message = "op " + failed.culprit.opId() + " of group " + op.group() + " failed (" + cause
                        + "): no op of the group was applied";
                result = new OperationResult(op.opId(), "rejected", collection, id, tempId, null, null, null, null,
                        new OperationResult.Error(code.wire(), message, List.of()), null);
            }
            events.publish(GenericEventMessage.asEventMessage(new OperationRejectedEvent(null, collection,
                    id != null ? id : tempId, op.rawType(), code, message, List.of())).andMetaData(opMeta(push, op)));
            results.add(result);
            digests.add(OpDigest.of(op));
            last = op.opId();
        }
        store.saveResults(push.tenant(), push.deviceId, results, digests, push.now);
        devices.advance(push.tenant(), push.deviceId, last, push.now, counts(results));
        return new PushResponse(last, results);
    }

    /** Plans the op ({@link OpPlanner}) and carries the plan out: the command on its aggregate, or the rejection. */
    private OperationResult apply(Push push, PushOperation op) {
        OpPlan plan = planner.plan(push, op);
        if (plan instanceof OpPlan.Reject r) {
            return reject(push, op, r);
        }
        OpPlan.Run run = (OpPlan.Run) plan;
        return result(op, op.collection(), run.id(), run.tempId(), operations.execute(run.command()));
    }

    /**
     * The one place a rejection decided before a record could be named is emitted: a free-standing event, so the op
     * still leaves one.
     */
    private OperationResult reject(Push push, PushOperation op, OpPlan.Reject r) {
        events.publish(GenericEventMessage.asEventMessage(new OperationRejectedEvent(null, op.collection(), r.id(),
                op.rawType(), r.code(), r.message(), r.fields())).andMetaData(opMeta(push, op)));
        return result(op, op.collection(), r.id(), r.tempId(),
                OperationOutcome.rejected(r.code(), r.message(), r.fields()));
    }

    private static MetaData opMeta(Push push, PushOperation op) {
        return MetaData.from(SyncMetaData.forOperation(push.tenant(), new OpContext(op.opId(), push.deviceId,
                push.caller.userId(), op.clientTimestamp(), push.now)));
    }

    /**
     * A re-send of an opId with content other than the op first sent under it: not that op, so not answered with its
     * result (the client would take a change as synced that never was), and not applied (the opId is used).
     */
    private static OperationResult reused(PushOperation op) {
        return new OperationResult(op.opId(), "rejected", op.collection(), op.id(), op.tempId(), null, null, null,
                null, new OperationResult.Error(RejectionCode.OP_ID_REUSED.wire(), "opId " + op.opId()
                + " was already used for a different operation (other type, record, baseVersion or data); the first "
                + "one's result stands and this one was not applied", List.of()), null);
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
                        outcome.conflict().strategy(), outcome.conflict().fields(),
                        outcome.conflict().reason().wire()),
                outcome.error() == null ? null : new OperationResult.Error(outcome.error().code().wire(),
                        outcome.error().message(), outcome.error().fields().stream()
                        .map(f -> new OperationResult.FieldMessage(f.field(), f.message())).toList()),
                outcome.duplicate() ? Boolean.TRUE : null);
    }

    /**
     * The aggregate identifiers that the push's client-id creates name (server-assigned ids are new by construction,
     * unless a re-sent tempId maps to an existing one, which is then looked up too).
     */
    private static Set<String> createTargets(String tenant, List<PushOperation> ops,
                                             Map<String, PushStore.TempId> tempIds) {
        Set<String> targets = new HashSet<>();
        for (PushOperation op : ops) {
            if (op.type() != OpType.CREATE || op.problem() != null) continue;
            String id = op.id() != null ? OpPlanner.realId(tempIds.get(op.id()), op.id(), op.collection())
                    : tempIds.containsKey(op.tempId()) ? tempIds.get(op.tempId()).id() : null;
            if (id != null && RecordKey.isValidId(id)) targets.add(new RecordKey(tenant, op.collection(), id).toString());
        }
        return targets;
    }

    private Set<String> tempIdCandidates(List<PushOperation> ops) {
        Set<String> candidates = new HashSet<>();
        for (PushOperation op : ops) {
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
