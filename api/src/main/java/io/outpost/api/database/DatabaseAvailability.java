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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 */
@Component
public class DatabaseAvailability implements SmartLifecycle {

    static final Duration UP_INTERVAL = Duration.ofSeconds(1);
    static final Duration DOWN_INTERVAL = Duration.ofMillis(250);
    static final int PROBE_TIMEOUT_SECONDS = 1;
    private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);

    /** The last verdict: up or down, why (for health), since when. */
    public record Verdict(boolean up, String reason, Instant since) {
    }

    private final DataSource dataSource;
    private final Clock clock;
    private final List<Runnable> recoveryListeners = new CopyOnWriteArrayList<>();
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

    public DatabaseAvailability(DataSource dataSource, MeterRegistry meters) {
        this.dataSource = dataSource;
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

    /** A request or a worker saw {@code failure}: if it looks like the connection, probe now instead of later. */
    public void suspect(Throwable failure) {
        if (running && DatabaseFailures.isConnectionFailure(failure)) {
            scheduler.execute(this::probeOnce);
        }
    }

    /** Runs on the scheduler's one thread only, so probes never overlap and {@link #probe} needs no lock. */
    private void probeOnce() {
        String failure = check();
        Verdict before = verdict;
        if (failure == null && !before.up()) {
            verdict = new Verdict(true, null, clock.instant());
            log.warn("database reachable again after {} ms", Duration.between(before.since(), verdict.since())
                    .toMillis());
            // on a thread of their own: restarting a processor can take seconds, and the probe must go on
            for (Runnable listener : recoveryListeners) {
                recovery.execute(() -> {
                    try {
                        listener.run();
                    } catch (RuntimeException e) {
                        log.warn("recovery step failed: {}", e.toString());
                    }
                });
            }
        } else if (failure != null && before.up()) {
            verdict = new Verdict(false, failure, clock.instant());
            outages++;
            log.warn("database unreachable: {}; requests that need it are answered 503 until it is back", failure);
        } else if (failure != null) {
            verdict = new Verdict(false, failure, before.since());
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeProbe();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
