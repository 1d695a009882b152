package io.outpost.api.database;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Whether PostgreSQL can be reached, decided by a probe on a connection of its own (outside the pool, so a busy pool
 * is never mistaken for a dead database): every {@link #UP_INTERVAL} while the database is up, every
 * {@link #DOWN_INTERVAL} while it is down, and at once when a request saw a connection failure ({@link #suspect}).
 * The probe gives up after {@link #PROBE_TIMEOUT_SECONDS} s, so a refused, stopped or black-holed database is known
 * within about a second; while it is down, {@link DatabaseGateFilter} answers promptly instead of letting requests
 * queue for connections. When it is back, the listeners given to {@link #onRecovery} run (event processors restarted
 * out of their back-off, the change listener reconnected).
 *
 * <p>While it is down, Hikari's pool is suspended ({@code allow-pool-suspension}, with
 * {@code com.zaxxer.hikari.throwIfSuspended}): a connection request fails at once instead of waiting out the
 * connection timeout, and the pool stops trying to open connections. Without that, its attempts back off up to 5 s
 * apart during an outage, and the first connection after the database's return could be 5 s late. Suspending waits
 * until no thread is asking the pool, so the workers that would keep asking stop first: the listeners given to
 * {@link #onOutage} (the event processors), the gate (requests) and the change listener (which waits for the
 * verdict). The pool is resumed (and refilled) before the recovery listeners run.
 */
@Component
public class DatabaseAvailability implements SmartLifecycle {

    static final Duration UP_INTERVAL = Duration.ofSeconds(1);
    static final Duration DOWN_INTERVAL = Duration.ofMillis(250);
    static final int PROBE_TIMEOUT_SECONDS = 1;
    /** Hikari's switch: a suspended pool throws at once instead of blocking the caller until it is resumed. */
    static final String THROW_IF_SUSPENDED = "com.zaxxer.hikari.throwIfSuspended";
    private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);

    /** The last verdict: up or down, why (for health), since when. */
    public record Verdict(boolean up, String reason, Instant since) {
    }

    private final DataSource dataSource;
    private final HikariDataSource suspendable;
    private final Clock clock;
    private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> outageListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "outpost-db-probe");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService recovery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "outpost-db-recovery");
        t.setDaemon(true);
        return t;
    });
    private volatile Verdict verdict;
    private volatile boolean running;
    private Connection probe;
    private volatile long outages;
    /** A recovery is queued on the recovery thread: the verdict turns up there, once the pool is resumed. */
    private volatile boolean recovering;
    /** Touched on the recovery thread only (and in {@link #stop}). */
    private boolean suspended;

    public DatabaseAvailability(DataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.suspendable = dataSource instanceof HikariDataSource h && h.isAllowPoolSuspension() ? h : null;
        if (suspendable != null && System.getProperty(THROW_IF_SUSPENDED) == null) {
            System.setProperty(THROW_IF_SUSPENDED, "true");
        }
        this.clock = Clock.systemUTC();
        this.verdict = new Verdict(true, null, clock.instant());
        Gauge.builder("outpost.database.up", this, a -> a.isDown() ? 0 : 1)
                .description("1 while this node reaches PostgreSQL, 0 while it does not").register(meters);
        Gauge.builder("outpost.database.outages", this, a -> a.outages)
                .description("database outages this node has seen since it started").register(meters);
    }

    public boolean isDown() {
        return !verdict.up();
    }

    public Verdict verdict() {
        return verdict;
    }

    /** Runs {@code listener} (on a recovery thread) each time the database is reachable again after an outage. */
    public void onRecovery(Runnable listener) {
        recoveryListeners.add(listener);
    }

    /**
     * Runs {@code listener} (on the recovery thread, before the pool is suspended) each time an outage begins: the
     * place to stop work that would otherwise keep asking the pool for connections (see the class comment).
     */
    public void onOutage(Runnable listener) {
        outageListeners.add(listener);
    }

    /** A request or a worker saw {@code failure}: if it looks like the connection, probe now instead of later. */
    public void suspect(Throwable failure) {
        if (running && DatabaseFailures.isConnectionFailure(failure)) {
            scheduler.execute(this::probeOnce);
        }
    }

    /**
     * Probes now (on the probe's thread, waiting at most about the probe's timeout) and tells whether the database is
     * down: for a failure that does not look like the connection's but may still be the outage's (a statement on a
     * connection the pool closed after it broke, say), before it is answered as an internal error.
     */
    public boolean confirmedDown() {
        if (!running) return isDown();
        try {
            scheduler.submit(this::probeOnce).get(PROBE_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            // the probe could not run: the last verdict stands
        }
        return isDown();
    }

    /** Runs on the scheduler's one thread only, so probes never overlap and {@link #probe} needs no lock. */
    private void probeOnce() {
        String failure = check();
        // stop() interrupts a probe in flight, and the driver then reports an I/O failure: nothing about the database
        if (!running) return;
        Verdict before = verdict;
        if (failure == null && !before.up()) {
            if (recovering) return;
            recovering = true;
            // after the outage's steps (the recovery thread runs one at a time) and the pool's resumption, so that a
            // request let through by the "up" verdict never meets a suspended pool; then the recovery listeners, on
            // that thread too: restarting a processor can take seconds, and the probe must go on
            recovery.execute(() -> {
                resumePool(true);
                verdict = new Verdict(true, null, clock.instant());
                recovering = false;
                log.warn("database reachable again after {} ms", Duration.between(before.since(), verdict.since())
                        .toMillis());
            });
            recoveryListeners.forEach(this::onRecoveryThread);
        } else if (failure != null && before.up()) {
            verdict = new Verdict(false, failure, clock.instant());
            outages++;
            log.warn("database unreachable: {}; requests that need it are answered 503 until it is back", failure);
            outageListeners.forEach(this::onRecoveryThread);
            recovery.execute(this::suspendPool);
        } else if (failure != null) {
            verdict = new Verdict(false, failure, before.since());
        }
    }

    private void onRecoveryThread(Runnable step) {
        recovery.execute(() -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                log.warn("outage or recovery step failed: {}", e.toString());
            }
        });
    }

    /** Waits for connection requests in progress (each at most the pool's connection timeout). */
    private void suspendPool() {
        // back already (a short outage, or slow outage steps): suspending now would only delay the recovery
        if (suspendable == null || suspended || !isDown() || suspendable.getHikariPoolMXBean() == null) return;
        suspendable.getHikariPoolMXBean().suspendPool();
        suspended = true;
    }

    /** @param afterOutage the database is back: the pool's connections from before the outage are dropped */
    private void resumePool(boolean afterOutage) {
        if (suspendable == null || suspendable.getHikariPoolMXBean() == null) return;
        if (suspended) {
            suspendable.getHikariPoolMXBean().resumePool();
            suspended = false;
        }
        // connections opened before the outage are dead or about to be: none is handed out again (each would first
        // fail its validation, or, past it, the statement that uses it); the pool refills with new ones
        if (afterOutage) suspendable.getHikariPoolMXBean().softEvictConnections();
        wakeConnectionAdder();
    }

    /**
     * Hikari opens connections on one thread ({@code <pool>:connection-adder}) which, after failed attempts, sleeps
     * 10 ms, 20 ms … up to 5 s between them; the pool was not always suspended before that back-off grew, so the
     * first connection after the database's return could wait up to 5 s. If the pool has no connection and that
     * thread is in its back-off sleep, it is interrupted: Hikari's sleep treats an interrupt as the end of the sleep
     * and tries again at once.
     */
    private void wakeConnectionAdder() {
        if (suspendable.getHikariPoolMXBean().getTotalConnections() > 0) return;
        String name = suspendable.getPoolName() + ":connection-adder";
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!name.equals(t.getName()) || t.getState() != Thread.State.TIMED_WAITING) continue;
            StackTraceElement[] stack = t.getStackTrace();
            boolean backOff = false;
            for (int i = 0; i < Math.min(stack.length, 4); i++) {
                if ("quietlySleep".equals(stack[i].getMethodName())) backOff = true;
            }
            if (backOff) {
                log.info("waking the pool's connection adder out of its back-off");
                t.interrupt();
            }
        }
    }

    /** Null when the probe connection answers, else why not. */
    private String check() {
        try {
            if (probe == null || probe.isClosed()) probe = connect();
            if (probe.isValid(PROBE_TIMEOUT_SECONDS)) return null;
            closeProbe();
            return "the database did not answer within " + PROBE_TIMEOUT_SECONDS + " s";
        } catch (SQLException | RuntimeException e) {
            closeProbe();
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    private Connection connect() throws SQLException {
        if (!(dataSource instanceof HikariDataSource hikari)) return dataSource.getConnection();
        Properties props = new Properties();
        props.putAll(hikari.getDataSourceProperties());
        if (hikari.getUsername() != null) props.setProperty("user", hikari.getUsername());
        if (hikari.getPassword() != null) props.setProperty("password", hikari.getPassword());
        props.setProperty("connectTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS + 1));
        props.setProperty("socketTimeout", Integer.toString(PROBE_TIMEOUT_SECONDS + 1));
        props.setProperty("ApplicationName", "outpost-probe");
        return DriverManager.getConnection(hikari.getJdbcUrl(), props);
    }

    private void closeProbe() {
        Connection c = probe;
        probe = null;
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // a dead connection cannot be closed cleanly; its socket goes with it
        }
    }

    private void schedule() {
        if (!running) return;
        scheduler.schedule(() -> {
            try {
                probeOnce();
            } finally {
                schedule();
            }
        }, (isDown() ? DOWN_INTERVAL : UP_INTERVAL).toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void start() {
        running = true;
        schedule();
    }

    @Override
    public void stop() {
        running = false;
        scheduler.shutdownNow();
        recovery.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
            recovery.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        resumePool(false); // the pool closes after this bean; a suspended pool would block its last users
        closeProbe();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
