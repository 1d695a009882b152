package io.outpost.api.pull;

import io.outpost.query.pull.ChangeFeedReader;
import io.outpost.query.pull.ChangeFeedReader.Head;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The SSE subscribers of this node, by tenant. A change notification for a tenant becomes one {@code poke} per
 * subscriber, coalesced: notifications arriving within {@link #COALESCE} of each other give one poke. Every
 * subscriber gets a heartbeat comment every {@link #HEARTBEAT}; on shutdown every stream is completed cleanly. A poke
 * round reads the tenant's feed head once for all its subscribers (10,000 streams must not mean 10,000 queries).
 */
@Component
public class PokeHub implements SmartLifecycle {

    static final Duration COALESCE = Duration.ofMillis(100);
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /**
     * A poke round waiting for older open transactions looks again every {@link #FIRST_RETRY} for the first
     * {@link #COALESCE} (a push's last milliseconds, the usual wait), then less often, doubling up to
     * {@link #LAST_RETRY} (a long transaction elsewhere).
     */
    static final Duration FIRST_RETRY = Duration.ofMillis(5);
    static final Duration LAST_RETRY = Duration.ofSeconds(1);
    /** After this long waiting for older transactions, the round pokes anyway (a pull then gets what it can). */
    static final Duration SETTLE_LIMIT = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(PokeHub.class);

    /**
     * A stream and how to make its poke's data from the tenant's feed head (read once per poke round, shared by all
     * the tenant's subscribers).
     */
    record Subscriber(SseEmitter emitter, Function<Head, Object> pokeData) {
    }

    private final Map<String, Set<Subscriber>> byTenant = new ConcurrentHashMap<>();
    /** Tenants with a poke round scheduled or waiting. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    /** Tenants notified while their round was scheduled or waiting: they get another round after it. */
    private final Set<String> again = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "outpost-pokes");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean running;

    private final Function<String, Head> heads;

    @org.springframework.beans.factory.annotation.Autowired
    PokeHub(io.micrometer.core.instrument.MeterRegistry meters, ChangeFeedReader feed) {
        this(meters, feed::head);
    }

    PokeHub(io.micrometer.core.instrument.MeterRegistry meters, Function<String, Head> heads) {
        this.heads = heads;
        io.micrometer.core.instrument.Gauge.builder("outpost.streams.open", this, PokeHub::openStreams)
                .description("open /sync/stream connections on this node").register(meters);
    }

    void subscribe(String tenant, Subscriber subscriber) {
        byTenant.computeIfAbsent(tenant, t -> new CopyOnWriteArraySet<>()).add(subscriber);
        Runnable remove = () -> unsubscribe(tenant, subscriber);
        subscriber.emitter().onCompletion(remove);
        subscriber.emitter().onTimeout(remove);
        subscriber.emitter().onError(e -> remove.run());
    }

    private void unsubscribe(String tenant, Subscriber subscriber) {
        Set<Subscriber> set = byTenant.get(tenant);
        if (set != null) set.remove(subscriber);
    }

    /**
     * A stream whose write failed (the device went away, its connection was cut): forgotten, and its request
     * completed. Only forgetting it left the request open on the server until the stream's timeout (an hour), where it
     * also held the web server's graceful shutdown for its whole limit.
     */
    private void drop(String tenant, Subscriber subscriber, Throwable why) {
        unsubscribe(tenant, subscriber);
        try {
            subscriber.emitter().completeWithError(why);
        } catch (RuntimeException alreadyDone) {
            log.debug("completing a failed stream", alreadyDone);
        }
    }

    /** Open streams on this node, of every tenant (gauge {@code outpost.streams.open}). */
    public int openStreams() {
        int n = 0;
        for (Set<Subscriber> set : byTenant.values()) n += set.size();
        return n;
    }

    int subscribers(String tenant) {
        Set<Subscriber> set = byTenant.get(tenant);
        return set == null ? 0 : set.size();
    }

    /** Changes committed in {@code tenant}: poke its subscribers (coalesced). */
    public void changed(String tenant) {
        if (!running || !byTenant.containsKey(tenant)) return;
        if (!pending.add(tenant)) {
            again.add(tenant);
            return;
        }
        long first = System.nanoTime() + COALESCE.toNanos();
        scheduler.schedule(() -> round(tenant, -1, first), COALESCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One poke round. The changes it announces are those the tenant's head names as its newest ({@code target}, read
     * at the first try). While a transaction older than they are is still open they are not yet below the feed's
     * horizon and a pull would not get them, so the round tries again a little later rather than poke too early.
     * Notifications that arrive meanwhile ({@link #again}) get a round of their own after this one.
     */
    private void round(String tenant, long target, long first) {
        // notifications until the head is first read are covered by it (coalesced into this round)
        if (target < 0) again.remove(tenant);
        try {
            Set<Subscriber> set = byTenant.getOrDefault(tenant, Set.of());
            Head head = set.isEmpty() ? null : heads.apply(tenant);
            long announced = head == null || target >= 0 ? target : head.newestTx();
            long waited = System.nanoTime() - first;
            if (head != null && head.position().tx() <= announced && waited < SETTLE_LIMIT.toNanos()) {
                long retry = waited < COALESCE.toNanos() ? FIRST_RETRY.toNanos()
                        : Math.min(Math.max(waited, FIRST_RETRY.toNanos()), LAST_RETRY.toNanos());
                scheduler.schedule(() -> round(tenant, announced, first), retry, TimeUnit.NANOSECONDS);
                return;
            }
            if (head != null) {
                for (Subscriber s : set) {
                    try {
                        s.emitter().send(SseEmitter.event().name("poke").data(s.pokeData().apply(head)));
                    } catch (IOException | RuntimeException e) {
                        drop(tenant, s, e);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.debug("no poke for tenant {}: its feed head could not be read", tenant, e);
        }
        pending.remove(tenant);
        if (again.remove(tenant)) changed(tenant);
    }

    /** Pokes every tenant with open streams on this node: after the change notifications were interrupted. */
    void changedEverywhere() {
        byTenant.keySet().forEach(this::changed);
    }

    private void heartbeat() {
        byTenant.forEach((tenant, set) -> set.forEach(s -> {
            try {
                s.emitter().send(SseEmitter.event().comment("heartbeat"));
            } catch (IOException | RuntimeException e) {
                drop(tenant, s, e);
            }
        }));
    }

    @Override
    public void start() {
        running = true;
        scheduler.scheduleAtFixedRate(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
        byTenant.values().forEach(set -> set.forEach(s -> {
            try {
                s.emitter().complete();
            } catch (RuntimeException e) {
                log.debug("closing a stream failed", e);
            }
        }));
        byTenant.clear();
        scheduler.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Stops before the web server's graceful shutdown (a higher phase stops earlier), so open streams are completed
     * cleanly instead of holding shutdown until its timeout.
     */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 512;
    }
}
