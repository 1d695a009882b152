package io.outpost.sdk.internal;

import io.outpost.sdk.OpState;
import io.outpost.sdk.SyncError;
import io.outpost.sdk.SyncResult;
import io.outpost.sdk.SyncStatus;
import java.lang.System.Logger.Level;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/**
 * When syncs run: one at a time (requests made while one runs share a second pass after it), on the auto-sync
 * interval, shortly after a local write, on start, on a server poke (live mode), and again after a failure with
 * backoff or when {@code Retry-After} says. Keeps the {@link SyncStatus}. All timers run on one scheduler thread,
 * which also runs the syncs; the live stream has its own thread.
 *
 * <p>After a 400 {@code upgrade_required} (this app's schema version of a collection is too old for the server) no
 * sync starts by itself any more: the same request would be refused the same way, and only an app update (a new
 * client) or a change on the server ends it. {@link #sync()} still makes one attempt when the app asks; a
 * successful sync lifts the stop.
 */
public final class SyncRunner implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.outpost.sdk.sync");
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(30);
    public static final Duration MAX_INTERVAL = Duration.ofSeconds(3600);
    private static final Duration POKE_COALESCE = Duration.ofMillis(100);

    /** Which events start a sync by themselves (the interval is separate: {@link #setAutoSync}). */
    public record Triggers(boolean onStart, Duration afterWrite, boolean onReconnect, boolean live) {
    }

    /** The auto-sync setting as stored. */
    public record AutoSync(boolean enabled, Duration interval) {
    }

    private final LocalStore store;
    private final SyncEngine engine;
    private final HttpTransport http;
    private final Events events;
    private final Clock clock;
    private final Backoff backoff;
    private final Triggers triggers;
    private final RandomGenerator random;
    private final String streamQuery;
    private final ScheduledExecutorService scheduler;

    // guarded by this
    private CompletableFuture<SyncResult> running;
    /** The second pass promised to those who asked for a sync while one was running. */
    private CompletableFuture<SyncResult> followUp;
    private AutoSync autoSync;
    private SyncStatus.State state = SyncStatus.State.IDLE;
    private Instant lastAttemptAt;
    private Instant lastSuccessAt;
    private SyncError lastError;
    private SyncStatus.Progress progress;
    private Instant nextAttemptAt;
    private Instant notBefore; // Retry-After
    private int failures;
    private boolean reachable;
    private boolean closed;
    /** The server answered upgrade_required: automatic syncs are off until a sync succeeds. */
    private boolean upgradeRequired;
    private ScheduledFuture<?> intervalTask;
    private ScheduledFuture<?> retryTask;
    private ScheduledFuture<?> soonTask;
    private java.util.concurrent.Future<?> rulesTask;
    private Thread liveThread;
    private volatile Stream<String> liveLines;

    public SyncRunner(LocalStore store, SyncEngine engine, HttpTransport http, Events events, Clock clock,
                      Backoff backoff, Triggers triggers, AutoSync defaults, String streamQuery,
                      RandomGenerator random) {
        this.store = store;
        this.engine = engine;
        this.http = http;
        this.events = events;
        this.clock = clock;
        this.backoff = backoff;
        this.triggers = triggers;
        this.random = random;
        this.streamQuery = streamQuery;
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "outpost-sync-" + store.deviceId());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.scheduler = executor;
        String enabled = store.getMeta("auto_sync_enabled");
        String seconds = store.getMeta("auto_sync_interval_seconds");
        this.autoSync = enabled == null || seconds == null ? defaults
                : new AutoSync(Boolean.parseBoolean(enabled), Duration.ofSeconds(Long.parseLong(seconds)));
        String lastSync = store.getMeta("last_sync_at"); // a restarted app still shows when it last synced
        this.lastSuccessAt = lastSync == null ? null : Instant.parse(lastSync);
    }

    /** Arms the timers and, as configured, syncs once and opens the live stream. */
    public synchronized void start() {
        armInterval();
        if (triggers.onStart()) {
            sync(); // fetches the collections' rules too
        } else {
            // the rules only, in the background: an offline device goes on with the stored ones at once
            rulesTask = scheduler.submit(engine::refreshRules);
        }
        if (triggers.live()) {
            liveThread = new Thread(this::live, "outpost-live-" + store.deviceId());
            liveThread.setDaemon(true);
            liveThread.start();
        }
    }

    // ----------------------------------------------------------------------------------------------- syncing

    /**
     * Starts a sync. While one is running, it may have taken its ops before the caller's latest writes, so the
     * caller gets a second pass that starts when the running one ends (one second pass for everyone who asks
     * meanwhile): a sync asked for covers every write made before the asking. Unless the running one failed and
     * scheduled a retry with backoff (the server unreachable or busy): then that retry is the second pass and the
     * caller gets the failure, instead of a request going out at once.
     */
    public synchronized CompletableFuture<SyncResult> sync() {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the SyncClient is closed"));
        }
        if (running == null) {
            CompletableFuture<SyncResult> future = new CompletableFuture<>();
            running = future;
            scheduler.execute(() -> runSync(future));
            return future;
        }
        if (followUp == null) {
            CompletableFuture<SyncResult> next = new CompletableFuture<>();
            followUp = next;
            running.whenComplete((result, failure) -> {
                CompletableFuture<SyncResult> started;
                synchronized (this) {
                    if (followUp == next) {
                        followUp = null;
                    }
                    if (result != null && result.error().isPresent() && retryTask != null && !retryTask.isDone()) {
                        next.complete(result);
                        return;
                    }
                    if (result != null && result.error().map(SyncError::kind)
                            .filter(SyncError.Kind.UPGRADE_REQUIRED::equals).isPresent()) {
                        next.complete(result); // asking again at once would be refused the same way
                        return;
                    }
                    started = sync();
                }
                started.whenComplete((r, e) -> {
                    if (e != null) {
                        next.completeExceptionally(e);
                    } else {
                        next.complete(r);
                    }
                });
            });
        }
        return followUp;
    }

    private void runSync(CompletableFuture<SyncResult> future) {
        Instant now = clock.instant();
        synchronized (this) {
            if (notBefore != null && now.isBefore(notBefore)) {
                // Retry-After: the server asked not to come back before then
                SyncResult busy = new SyncResult(0, 0, 0, 0, 0, store.counts().get(OpState.PENDING), 0, Duration.ZERO,
                        Optional.of(new SyncError(SyncError.Kind.BUSY, "the server asked to retry after "
                                + notBefore, 0, Optional.of("retry_after"))));
                running = null;
                future.complete(busy);
                return;
            }
            state = SyncStatus.State.SYNCING;
            lastAttemptAt = now;
            progress = null;
            nextAttemptAt = null;
            cancel(retryTask);
        }
        publish();
        SyncEngine.Outcome outcome;
        try {
            outcome = engine.run(p -> {
                synchronized (this) {
                    progress = p;
                }
                publish();
            });
        } catch (RuntimeException | Error e) {
            LOG.log(Level.DEBUG, "sync failed locally", e);
            synchronized (this) {
                state = SyncStatus.State.ERROR;
                lastError = new SyncError(SyncError.Kind.LOCAL, e.getClass().getSimpleName() + ": " + e.getMessage(),
                        0, Optional.empty());
                progress = null;
                running = null;
                if (!closed) {
                    armInterval();
                }
            }
            publish();
            future.completeExceptionally(e);
            return;
        }
        SyncResult result = outcome.result();
        synchronized (this) {
            progress = null;
            running = null;
            Optional<SyncError> error = result.error();
            if (error.isEmpty()) {
                state = SyncStatus.State.IDLE;
                lastSuccessAt = clock.instant();
                store.putMeta("last_sync_at", lastSuccessAt.toString());
                lastError = null;
                failures = 0;
                reachable = true;
                notBefore = null;
                upgradeRequired = false;
            } else {
                SyncError e = error.get();
                lastError = e;
                reachable = e.kind() != SyncError.Kind.OFFLINE;
                if (e.kind() == SyncError.Kind.UPGRADE_REQUIRED) {
                    if (!upgradeRequired) {
                        LOG.log(Level.WARNING, "the server requires an app update, automatic syncs stop; the queue is "
                                + "kept: {0}", e.message());
                    }
                    upgradeRequired = true;
                    cancel(soonTask);
                }
                // until a sync succeeds the app is told to update, whatever a later attempt ran into
                state = upgradeRequired ? SyncStatus.State.UPGRADE_REQUIRED
                        : e.kind() == SyncError.Kind.OFFLINE ? SyncStatus.State.OFFLINE : SyncStatus.State.ERROR;
                failures++;
                scheduleRetry(e, outcome.retryAfter());
            }
            if (!closed) {
                armInterval();
            }
        }
        LOG.log(Level.DEBUG, "sync done: {0}", result);
        publish();
        future.complete(result);
    }

    /** After a failure that may pass by itself: try again after backoff, or when Retry-After says if later. */
    private void scheduleRetry(SyncError e, Optional<Duration> retryAfter) {
        retryAfter.ifPresent(d -> notBefore = clock.instant().plus(d));
        if (upgradeRequired) {
            return; // no automatic sync until the app is updated
        }
        boolean transientFailure = switch (e.kind()) {
            case OFFLINE -> triggers.onReconnect();
            case BUSY, SERVER -> true;
            default -> false; // 401 after a refresh, 403, 4xx, local: retrying the same would fail the same way
        };
        if (!transientFailure || !autoSync.enabled() || closed) {
            return;
        }
        Duration delay = backoff.delay(failures, random);
        if (retryAfter.isPresent() && retryAfter.get().compareTo(delay) > 0) {
            delay = retryAfter.get();
        }
        nextAttemptAt = clock.instant().plus(delay);
        cancel(soonTask); // an after-write or poke sync armed before the failure waits for the retry too
        cancel(retryTask);
        retryTask = scheduler.schedule(this::triggered, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ----------------------------------------------------------------------------------------------- triggers

    /**
     * A local write: sync at most {@code afterWrite} after it when auto-sync is on and the server was reachable.
     * Writes made while such a sync is due join it instead of postponing it, so a device that writes all the time
     * (a till ringing up items) still syncs every {@code afterWrite}, not only once it stops.
     */
    public synchronized void localWrite() {
        if (closed || upgradeRequired) {
            return;
        }
        if (autoSync.enabled() && reachable && !triggers.afterWrite().isZero()
                && (soonTask == null || soonTask.isDone())) {
            syncSoon(triggers.afterWrite());
        }
    }

    private void syncSoon(Duration delay) {
        cancel(soonTask);
        soonTask = scheduler.schedule(this::triggered, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A sync a timer, a write or a poke asked for: none while the server requires an app update. */
    private synchronized void triggered() {
        if (upgradeRequired) {
            LOG.log(Level.DEBUG, "no automatic sync: the server requires an app update");
            return;
        }
        sync();
    }

    public synchronized AutoSync autoSync() {
        return autoSync;
    }

    /** Stores the setting and applies it at once: the interval timer restarts from now. */
    public synchronized void setAutoSync(boolean enabled, Duration interval) {
        checkInterval(interval);
        store.putMeta("auto_sync_enabled", Boolean.toString(enabled));
        store.putMeta("auto_sync_interval_seconds", Long.toString(interval.toSeconds()));
        autoSync = new AutoSync(enabled, interval);
        if (!enabled) {
            cancel(retryTask);
            cancel(soonTask);
            nextAttemptAt = null;
        }
        armInterval();
        publish();
    }

    /** The interval bounds, with a message naming the setting. */
    public static void checkInterval(Duration interval) {
        if (interval == null || interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0
                || interval.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("autoSync interval must be whole seconds between 30 and 3600, was "
                    + (interval == null ? "null" : interval.toMillis() % 1000 == 0 ? interval.toSeconds() + " s"
                    : interval.toMillis() + " ms"));
        }
    }

    private void armInterval() {
        cancel(intervalTask);
        intervalTask = autoSync.enabled()
                ? scheduler.schedule(this::triggered, autoSync.interval().toMillis(), TimeUnit.MILLISECONDS) : null;
    }

    private static void cancel(ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    // ----------------------------------------------------------------------------------------------- live

    /** Listens to GET /sync/stream; a poke starts a sync. Reconnects with backoff while the client is open. */
    private void live() {
        int attempt = 0;
        while (!isClosed()) {
            try {
                HttpResponse<Stream<String>> response = http.openStream(streamQuery);
                attempt = 0;
                try (Stream<String> lines = response.body()) {
                    liveLines = lines;
                    String event = null;
                    for (Iterator<String> it = lines.iterator(); it.hasNext() && !isClosed(); ) {
                        String line = it.next();
                        if (line.startsWith("event:")) {
                            event = line.substring(6).trim();
                        } else if (line.isEmpty()) {
                            if ("poke".equals(event)) {
                                poked();
                            }
                            event = null;
                        }
                    }
                }
            } catch (TransportException e) {
                LOG.log(Level.DEBUG, "live stream: {0}", e.error());
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "live stream ended: {0}", e.toString());
            }
            if (isClosed()) {
                return;
            }
            attempt++;
            try {
                Thread.sleep(backoff.delay(attempt, random).toMillis()); // a wait between reconnects, not a test
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void poked() {
        if (!closed) {
            LOG.log(Level.DEBUG, "poke");
            syncSoon(POKE_COALESCE);
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    // ----------------------------------------------------------------------------------------------- status

    public SyncStatus status() {
        Map<OpState, Integer> counts = store.counts();
        synchronized (this) {
            return new SyncStatus(state, counts.get(OpState.PENDING) + counts.get(OpState.SYNCING),
                    counts.get(OpState.FAILED), counts.get(OpState.CONFLICT), Optional.ofNullable(lastAttemptAt),
                    Optional.ofNullable(lastSuccessAt), Optional.ofNullable(lastError), Optional.ofNullable(progress),
                    Optional.ofNullable(nextAttemptAt));
        }
    }

    /** Tells the status listeners (after any store change). */
    public void publish() {
        if (!isClosed()) {
            events.status(status());
        }
    }

    @Override
    public void close() {
        CompletableFuture<SyncResult> inFlight;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            inFlight = running;
            cancel(intervalTask);
            cancel(retryTask);
            cancel(soonTask);
            if (rulesTask != null) {
                rulesTask.cancel(true); // a slow network must not hold the close
            }
        }
        if (liveThread != null) {
            liveThread.interrupt();
            Stream<String> lines = liveLines;
            if (lines != null) {
                lines.close();
            }
        }
        scheduler.shutdown();
        if (Thread.currentThread().getName().equals("outpost-sync-" + store.deviceId())) {
            return; // closed from a callback on the sync thread: the running sync ends by itself
        }
        try {
            if (inFlight != null) {
                inFlight.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
            }
            scheduler.awaitTermination(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            scheduler.shutdownNow();
        }
    }
}
