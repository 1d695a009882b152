package io.outpost.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.sdk.Conflict;
import io.outpost.sdk.ConflictHandler;
import io.outpost.sdk.DataChange;
import io.outpost.sdk.OpState;
import io.outpost.sdk.OpType;
import io.outpost.sdk.SyncError;
import io.outpost.sdk.SyncResult;
import io.outpost.sdk.SyncStatus.Progress;
import java.lang.System.Logger.Level;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One sync as docs/sync-algorithm.md describes it: push the queue in batches, hand conflicts to the handler, pull
 * until {@code hasMore} is false, then drop the ops the pulled state includes. Not thread-safe: the
 * {@link SyncRunner} runs one at a time.
 */
public final class SyncEngine {

    private static final System.Logger LOG = System.getLogger("io.outpost.sdk.sync");

    /** Points where a test may stop the engine as a crash would (the store keeps what was committed before). */
    public interface Hooks {
        /** The server answered a push; its answers are not stored yet. */
        default void pushAnswered(List<Long> opIds) {
        }

        Hooks NONE = new Hooks() {
        };
    }

    private final LocalStore store;
    private final HttpTransport http;
    private final ObjectMapper json;
    private final List<String> collections;
    private final Map<String, Map<String, String>> references;
    private final ConflictHandler conflictHandler;
    private final Events events;
    private final Clock clock;
    private final int pushBatchSize;
    private final int pullPageSize;
    private final Hooks hooks;
    private final ServerRules rules;
    /** Collection → the schema version this app reads and writes (sorted by name); empty when it declared none. */
    private final java.util.SortedMap<String, Integer> schemaVersions;

    public SyncEngine(LocalStore store, HttpTransport http, ObjectMapper json, List<String> collections,
                      Map<String, Map<String, String>> references, ConflictHandler conflictHandler, Events events,
                      Clock clock, int pushBatchSize, int pullPageSize, Hooks hooks, ServerRules rules,
                      Map<String, Integer> schemaVersions) {
        this.store = store;
        this.http = http;
        this.json = json;
        this.collections = List.copyOf(collections);
        this.references = references;
        this.conflictHandler = conflictHandler;
        this.events = events;
        this.clock = clock;
        this.pushBatchSize = pushBatchSize;
        this.pullPageSize = pullPageSize;
        this.hooks = hooks;
        this.rules = rules;
        this.schemaVersions = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(schemaVersions));
    }

    private static final class Tally {
        int pushed, applied, merged, conflicts, rejected, failed, pulled;
    }

    /** A sync's result, and how long the server asked to wait when it answered 429/503 with Retry-After. */
    public record Outcome(SyncResult result, Optional<Duration> retryAfter) {
    }

    public Outcome run(Consumer<Progress> progress) {
        Instant start = clock.instant();
        Tally t = new Tally();
        try {
            push(t, progress);
            pull(t, progress);
            refreshRules();
            return new Outcome(result(t, start, null), Optional.empty());
        } catch (TransportException e) {
            LOG.log(Level.DEBUG, "sync stopped: {0}", e.error());
            if (e.error().code().filter("device_revoked"::equals).isPresent()) {
                // an admin revoked this device: nothing of it may stay readable here (contract v1.2)
                String old = store.deviceId();
                String fresh = store.wipe();
                LOG.log(Level.WARNING, "device {0} was revoked by an admin: its local store was wiped; new device {1}",
                        old, fresh);
                LocalStore.Touched all = LocalStore.Touched.of();
                collections.forEach(all::all);
                events.data(all, DataChange.Origin.SYNC);
            }
            t.failed = store.counts().get(OpState.PENDING);
            return new Outcome(result(t, start, e), e.retryAfter());
        }
    }

    private SyncResult result(Tally t, Instant start, TransportException e) {
        return new SyncResult(t.pushed, t.applied, t.merged, t.conflicts, t.rejected, t.failed, t.pulled,
                Duration.between(start, clock.instant()), Optional.ofNullable(e).map(TransportException::error));
    }

    // ------------------------------------------------------------------------------------------------ rules

    /**
     * Fetches the collections' rules ({@code GET /collections}: schemas, counters, append-only, canWrite), stores
     * them (local writes are checked against them offline too, also after a restart) and uses them from now on.
     * A failure keeps the rules the store has: the server decides then, as before.
     */
    public void refreshRules() {
        try {
            JsonNode answer = http.get("collections");
            if (!answer.path("collections").isObject()) {
                LOG.log(Level.DEBUG, "GET /collections answered without collections; keeping the stored rules");
                return;
            }
            rules.load(answer);
            store.putMeta(ServerRules.META_KEY, json.writeValueAsString(answer));
        } catch (TransportException e) {
            LOG.log(Level.DEBUG, "GET /collections failed, keeping the stored rules: {0}", e.error());
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            LOG.log(Level.WARNING, "the collections' rules could not be taken; keeping the stored ones", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ push

    /** A push on its way: its ops (SYNCING) and the answer to come. */
    private record InFlight(List<LocalStore.Op> batch, Future<JsonNode> answer, long takenNanos, long sentAt) {
    }

    /**
     * Pushes the queue in batches. Pushes of one device reach the server one after another (the next is sent once the
     * previous one is answered), but the next batch goes out while the previous one's answers are stored when none
     * of its ops depends on them: it ends before the first op of a record in the answered batch (its baseVersion
     * comes from that answer), and there is none after a batch with a temporary id (later ops may reference it) or
     * with an op the answer left out. Otherwise the next batch is taken once the answers are stored, as before.
     */
    private void push(Tally t, Consumer<Progress> progress) throws TransportException {
        ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "outpost-push-" + store.deviceId());
            thread.setDaemon(true);
            return thread;
        });
        try {
            // ops queued while this sync runs wait for the next one, except re-applied conflicts (one more round)
            for (int round = 0; round < 2; round++) {
                long maxOpId = Long.parseLong(store.getMeta("next_op_id")) - 1;
                long total = store.counts().get(OpState.PENDING);
                long done = 0;
                boolean requeued = false;
                InFlight push = send(sender, maxOpId, Set.of());
                while (push != null) {
                    List<LocalStore.Op> batch = push.batch();
                    progress.accept(new Progress(Progress.Phase.PUSH, done, Math.max(total, done + batch.size())));
                    JsonNode answer;
                    try {
                        answer = await(push.answer());
                        hooks.pushAnswered(batch.stream().map(LocalStore.Op::opId).toList());
                    } catch (TransportException e) {
                        store.releaseBatch(batch);
                        throw e;
                    }
                    long answeredAt = System.nanoTime();
                    InFlight next = overlappable(batch, answer) ? send(sender, maxOpId, keys(batch)) : null;
                    try {
                        LocalStore.PushOutcome outcome = store.applyPushResults(batch, answer.path("results"),
                                references);
                        LOG.log(Level.DEBUG, "push of {0} ops: taken in {1} ms, answered in {2} ms, stored in {3} ms{4}",
                                batch.size(), push.takenNanos() / 1_000_000, (answeredAt - push.sentAt()) / 1_000_000,
                                (System.nanoTime() - answeredAt) / 1_000_000,
                                next == null ? "" : " (the next push of " + next.batch().size() + " sent meanwhile)");
                        t.pushed += batch.size();
                        t.applied += outcome.applied();
                        t.merged += outcome.merged();
                        t.conflicts += outcome.conflicts();
                        t.rejected += outcome.rejected();
                        done += batch.size();
                        events.data(outcome.touched(), DataChange.Origin.SYNC);
                        requeued |= handle(outcome.newConflicts());
                    } catch (TransportException | RuntimeException | Error e) {
                        abandon(next, e);
                        throw e;
                    }
                    push = next != null ? next : send(sender, maxOpId, Set.of());
                }
                if (!requeued) {
                    return;
                }
            }
        } finally {
            sender.shutdownNow();
        }
    }

    /**
     * Takes the next batch (none of the records in {@code inFlight}) and sends it on the sender thread; null when
     * there is nothing to send.
     */
    private InFlight send(ExecutorService sender, long maxOpId, Set<String> inFlight) {
        long at = System.nanoTime();
        List<LocalStore.Op> batch = store.takeBatch(pushBatchSize, maxOpId, inFlight);
        if (batch.isEmpty()) {
            return null;
        }
        long sentAt = System.nanoTime();
        return new InFlight(batch, sender.submit(() -> http.post("sync/push", pushBody(batch))), sentAt - at, sentAt);
    }

    /**
     * Whether the next batch may go out before {@code batch}'s answers are stored: every op of it was answered (an op
     * left out goes back to PENDING, ahead of the later ops), and none has a temporary id (later ops may reference it
     * and are rewritten when its answer is stored).
     */
    private static boolean overlappable(List<LocalStore.Op> batch, JsonNode answer) {
        if (batch.stream().anyMatch(LocalStore.Op::temp)) {
            return false;
        }
        Set<Long> answered = new HashSet<>();
        for (JsonNode result : answer.path("results")) {
            if (KNOWN_STATUSES.contains(result.path("status").asText())) {
                answered.add(result.path("opId").asLong());
            }
        }
        return batch.stream().allMatch(op -> answered.contains(op.opId()));
    }

    /** The answers {@link LocalStore#applyPushResults} stores; any other leaves its op PENDING. */
    private static final Set<String> KNOWN_STATUSES = Set.of("applied", "merged", "conflict", "rejected");

    private static Set<String> keys(List<LocalStore.Op> batch) {
        Set<String> keys = new HashSet<>();
        batch.forEach(op -> keys.add(LocalStore.key(op.collection(), op.id())));
        return keys;
    }

    /**
     * The sync stops while {@code push} is on its way: it is cancelled and its ops go back to PENDING (sent, so never
     * changed again; the server dedupes a re-send by opId).
     */
    private void abandon(InFlight push, Throwable cause) {
        if (push == null) {
            return;
        }
        push.answer().cancel(true);
        try {
            store.releaseBatch(push.batch());
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private ObjectNode pushBody(List<LocalStore.Op> batch) {
        ObjectNode body = json.createObjectNode().put("deviceId", store.deviceId());
        ArrayNode ops = body.putArray("operations");
        for (LocalStore.Op op : batch) {
            ObjectNode o = ops.addObject().put("opId", op.opId()).put("type", op.type().wireName())
                    .put("collection", op.collection());
            if (op.type() == OpType.CREATE && op.temp()) {
                o.put("tempId", op.id());
            } else {
                o.put("id", op.id());
            }
            if (op.type() != OpType.CREATE && op.type() != OpType.INCREMENT) {
                o.put("baseVersion", op.baseVersion()); // an increment has none: it never conflicts
            }
            if (op.type() != OpType.DELETE) {
                o.set("data", op.data());
            }
            o.put("clientTimestamp", op.clientTimestamp());
            if (op.group() != null) o.put("group", op.group());
            // the version the op was written in, not the app's current one: queued before an update, it is older
            if (op.schemaVersion() != null) o.put("schemaVersion", op.schemaVersion());
        }
        return body;
    }

    /** Gives each new conflict to the handler (never under the store's lock); true if one was queued again. */
    private boolean handle(List<Conflict> conflicts) throws TransportException {
        boolean requeued = false;
        for (Conflict c : conflicts) {
            ConflictHandler.Decision decision;
            try {
                decision = conflictHandler.onConflict(c);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the ConflictHandler threw; keeping the server's state", e);
                decision = ConflictHandler.Decision.KEEP_SERVER;
            }
            if (decision == null) {
                decision = ConflictHandler.Decision.KEEP_SERVER;
            }
            switch (decision) {
                case KEEP_SERVER -> store.discard(c.opId());
                case LEAVE_OPEN -> { }
                case REAPPLY_LOCAL -> {
                    if (c.conflictId().isPresent()) {
                        // parked by the server (manual): resolving it with the client's data is the re-apply
                        http.post("conflicts/" + encode(c.conflictId().get()) + "/resolve",
                                json.createObjectNode().put("resolution", "client"));
                        store.discard(c.opId());
                    } else {
                        requeued |= store.requeue(c.opId(), null, clock.instant()).isPresent();
                    }
                }
            }
        }
        return requeued;
    }

    // ------------------------------------------------------------------------------------------------ pull

    /**
     * The key the cursor is stored under: a cursor is valid only for the collections it was issued for, and for the
     * schema versions the records were pulled in. An app update that changes a version starts with a new key, i.e.
     * a snapshot pull that replaces the records held here by the ones in the new shape (a cursor alone would bring
     * only the records changed since, leaving the others in the old shape).
     */
    public String cursorKey() {
        return "cursor:" + String.join(",", collections) + (schemaVersions.isEmpty() ? "" : ";" + versionsParameter());
    }

    /** {@code patients:2,wards:1}: the pull's {@code schemaVersions} (docs/schema-versions.md). */
    private String versionsParameter() {
        StringBuilder out = new StringBuilder();
        schemaVersions.forEach((c, v) -> out.append(out.isEmpty() ? "" : ",").append(c).append(':').append(v));
        return out.toString();
    }

    /**
     * Pulls pages until {@code hasMore} is false. The next page is fetched while the current one is written to the
     * store (its cursor is known once the page is parsed); a page's cursor is stored with its changes, so a crash
     * re-pulls from the last stored page.
     */
    private void pull(Tally t, Consumer<Progress> progress) throws TransportException {
        String key = cursorKey();
        String cursor = store.getMeta(key);
        boolean snapshot = cursor == null;
        boolean first = true;
        ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "outpost-pull-" + store.deviceId());
            thread.setDaemon(true);
            return thread;
        });
        // the queue after this sync's push, reported with the first page (admins see it: GET /admin/devices)
        Map<OpState, Integer> counts = store.counts();
        long pending = counts.get(OpState.PENDING) + counts.get(OpState.SYNCING);
        try {
            JsonNode page = fetch(cursor, pending);
            while (true) {
                boolean reset = page.path("reset").asBoolean(false);
                if (reset) {
                    LOG.log(Level.DEBUG, "the server reset the feed: replacing the server state held locally");
                }
                String next = page.path("cursor").textValue();
                if (next == null) {
                    throw new TransportException(new SyncError(SyncError.Kind.SERVER, "a pull answer without a cursor",
                            200, Optional.empty()), Optional.empty(), null);
                }
                boolean hasMore = page.path("hasMore").asBoolean(false);
                Future<JsonNode> following = hasMore ? fetcher.submit(() -> fetch(next, -1)) : null;
                List<LocalStore.Change> changes = new ArrayList<>();
                for (JsonNode c : page.path("changes")) {
                    JsonNode data = c.get("data");
                    changes.add(new LocalStore.Change(c.path("collection").asText(), c.path("id").asText(),
                            c.path("version").asLong(), c.path("deleted").asBoolean(false),
                            data instanceof ObjectNode o ? o : null));
                }
                LocalStore.Touched touched = store.applyPullPage(changes, reset || (snapshot && first), collections,
                        key, next);
                events.data(touched, DataChange.Origin.SYNC);
                t.pulled += changes.size();
                progress.accept(new Progress(Progress.Phase.PULL, t.pulled, -1));
                first = false;
                if (!hasMore) {
                    events.data(store.confirm(page.path("lastProcessedOpId").asLong(0)), DataChange.Origin.SYNC);
                    return;
                }
                page = await(following);
            }
        } finally {
            fetcher.shutdownNow();
        }
    }

    /** A page of the pull; {@code pendingOps} ≥ 0 is reported with it ({@code GET /sync/pull?pendingOps=}). */
    private JsonNode fetch(String cursor, long pendingOps) throws TransportException {
        StringBuilder query = new StringBuilder("sync/pull?deviceId=").append(encode(store.deviceId()))
                .append("&limit=").append(pullPageSize)
                .append("&collections=").append(encode(String.join(",", collections)));
        if (pendingOps >= 0) {
            query.append("&pendingOps=").append(pendingOps);
        }
        if (!schemaVersions.isEmpty()) {
            query.append("&schemaVersions=").append(encode(versionsParameter())); // the records in the app's shape
        }
        if (cursor != null) {
            query.append("&cursor=").append(encode(cursor));
        }
        return http.get(query.toString());
    }

    private static JsonNode await(Future<JsonNode> page) throws TransportException {
        try {
            return page.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(new SyncError(SyncError.Kind.OFFLINE, "interrupted", 0, Optional.empty()),
                    Optional.empty(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransportException te) {
                throw te;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
