package io.outpost.api.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outpost.api.config.SyncProperties;
import io.outpost.api.database.DatabaseAvailability;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Records who tried to get in ({@code security_events}, {@code GET /admin/security-events}): failed logins, refused
 * tokens, device, role, rate-limit and tenant refusals, with the client address, the claimed user, the tenant (only
 * when trustworthy), the device, the endpoint (method and path, no query string) and a reason. Never a password, a
 * token or the {@code Authorization} header: the callers hand over only those fields.
 *
 * <p>{@link #record} never blocks and never throws: it offers the event to a bounded queue ({@link #QUEUE_CAPACITY});
 * when the queue is full the event is dropped and {@code outpost.security.events.dropped} counts it, so a flood of bad
 * requests costs each request a queue offer and nothing more. One background thread drains the queue in JDBC batches
 * of up to {@link #BATCH}, and flushes what is left at shutdown. A failed batch (the database is down) is counted as
 * dropped and logged once per outage at WARN, not once per event; while {@link DatabaseAvailability} knows the
 * database is down the writer does not ask the pool. {@code outpost.security.events{type}} counts every event seen,
 * the dropped ones too.
 *
 * <p>Rows older than {@code sync.security.events.retention} are deleted at start and hourly.
 */
@Component
public class SecurityEvents {

    /** The event types of PROTOCOL.md, "Security events". */
    public enum Type {
        LOGIN_FAILED, TOKEN_REJECTED, DEVICE_REFUSED, ROLE_REFUSED, RATE_LIMITED, TENANT_REFUSED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Type> fromWire(String wire) {
            for (Type t : values()) {
                if (t.wire().equals(wire)) return Optional.of(t);
            }
            return Optional.empty();
        }
    }

    /** One event as stored; strings already cut to the column sizes. */
    public record Event(Instant at, Type type, String address, String userId, String tenant, String deviceId,
                        String endpoint, String reason) {
    }

    static final int QUEUE_CAPACITY = 4096;
    static final int BATCH = 500;
    static final int MAX_ADDRESS = 64;
    static final int MAX_USER = 255;
    static final int MAX_TENANT = 64;
    static final int MAX_DEVICE = 128;
    static final int MAX_ENDPOINT = 300;
    static final int MAX_REASON = 500;
    /** Rows per retention delete statement, each its own short transaction. */
    static final int DELETE_BATCH = 10_000;
    /** The writer's pause after a failed batch, so a database that fails at once is not asked in a tight loop. */
    static final Duration FAILURE_PAUSE = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(SecurityEvents.class);
    private static final String INSERT = "INSERT INTO security_events (at, type, address, user_id, tenant, device_id, "
            + "endpoint, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

    private final JdbcTemplate jdbc;
    private final Duration retention;
    private final Clock clock;
    private final DatabaseAvailability availability;
    private final BlockingQueue<Event> queue;
    private final Map<Type, Counter> seen = new EnumMap<>(Type.class);
    private final Counter dropped;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread writer;
    private volatile boolean running;
    /** Writer thread only: whether the last batch failed, and what was dropped since. */
    private boolean outage;
    private long droppedInOutage;

    @Autowired
    public SecurityEvents(JdbcTemplate jdbc, SyncProperties sync, Clock clock, MeterRegistry meters,
                          ObjectProvider<DatabaseAvailability> availability) {
        this(jdbc, sync.security().events().retention(), clock, meters, availability.getIfAvailable(),
                QUEUE_CAPACITY);
    }

    /** For tests: a queue of {@code capacity} events; {@code availability} may be null. */
    SecurityEvents(JdbcTemplate jdbc, Duration retention, Clock clock, MeterRegistry meters,
                   DatabaseAvailability availability, int capacity) {
        this.jdbc = jdbc;
        this.retention = retention;
        this.clock = clock;
        this.availability = availability;
        this.queue = new ArrayBlockingQueue<>(capacity);
        for (Type t : Type.values()) {
            seen.put(t, Counter.builder("outpost.security.events").tag("type", t.wire())
                    .description("security events seen (failed logins, refused tokens, ...), also those dropped")
                    .register(meters));
        }
        this.dropped = Counter.builder("outpost.security.events.dropped")
                .description("security events not stored: the queue was full or the database failed")
                .register(meters);
        this.writer = new Thread(this::drain, "security-events-writer");
        this.writer.setDaemon(true);
    }

    @PostConstruct
    void start() {
        running = true;
        writer.start();
    }

    /** Stops taking events, writes what is queued (for at most 10 s) and stops the writer. */
    @PreDestroy
    void close() {
        running = false;
        stopping.countDown();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Records an event of the current request: its client address ({@code getRemoteAddr()}, which follows
     * {@code server.forward-headers-strategy} as the rate limits do) and its method and path. Never blocks, never
     * throws.
     *
     * @param tenant only when trustworthy (from a verified token or the server's own accounts), else null
     */
    public void record(Type type, HttpServletRequest request, String tenant, String userId, String deviceId,
                       String reason) {
        try {
            String endpoint = request.getMethod() + " " + request.getRequestURI();
            record(type, request.getRemoteAddr(), tenant, userId, deviceId, endpoint, reason);
        } catch (RuntimeException e) {
            dropped.increment();
        }
    }

    /** As {@link #record(Type, HttpServletRequest, String, String, String, String)}, with the parts given. */
    public boolean record(Type type, String address, String tenant, String userId, String deviceId, String endpoint,
                          String reason) {
        try {
            seen.get(type).increment();
            Event event = new Event(clock.instant(), type, orDash(cut(address, MAX_ADDRESS)), cut(userId, MAX_USER),
                    cut(tenant, MAX_TENANT), cut(deviceId, MAX_DEVICE), orDash(cut(endpoint, MAX_ENDPOINT)),
                    orDash(cut(reason, MAX_REASON)));
            if (running && queue.offer(event)) return true;
            dropped.increment();
            return false;
        } catch (RuntimeException e) {
            dropped.increment();
            return false;
        }
    }

    /** Events waiting for the writer (tests, diagnostics). */
    int queued() {
        return queue.size();
    }

    private void drain() {
        List<Event> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Event first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                if (!write(batch)) {
                    if (!running) {
                        // shutting down with the database failing: what is left would fail too
                        int left = queue.size();
                        queue.clear();
                        dropped.increment(left);
                        return;
                    }
                    stopping.await(FAILURE_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable t) {
                log.warn("security events writer: {}", t.toString());
            } finally {
                batch.clear();
            }
        }
    }

    /** False when the batch could not be written (then it is counted as dropped). */
    private boolean write(List<Event> batch) {
        try {
            if (availability != null && availability.isDown()) {
                throw new IllegalStateException("the database is unavailable");
            }
            jdbc.batchUpdate(INSERT, batch, batch.size(), (ps, e) -> {
                ps.setTimestamp(1, Timestamp.from(e.at()));
                ps.setString(2, e.type().wire());
                ps.setString(3, e.address());
                setNullable(ps, 4, e.userId());
                setNullable(ps, 5, e.tenant());
                setNullable(ps, 6, e.deviceId());
                ps.setString(7, e.endpoint());
                ps.setString(8, e.reason());
            });
            if (outage) {
                log.info("security events are stored again; {} were dropped while the database failed",
                        droppedInOutage);
                outage = false;
                droppedInOutage = 0;
            }
            return true;
        } catch (RuntimeException e) {
            dropped.increment(batch.size());
            droppedInOutage += batch.size();
            if (!outage) {
                outage = true;
                log.warn("security events cannot be stored, dropping them until the database works again "
                        + "(outpost.security.events.dropped counts them): {}", e.toString());
            }
            return false;
        }
    }

    private static void setNullable(java.sql.PreparedStatement ps, int index, String value)
            throws java.sql.SQLException {
        if (value == null) ps.setNull(index, Types.VARCHAR);
        else ps.setString(index, value);
    }

    /** Deletes events older than the retention; at start (once the scheduler runs) and hourly. */
    @Scheduled(initialDelay = 0, fixedDelay = 3_600_000)
    void scheduledRetention() {
        try {
            long deleted = deleteExpired();
            if (deleted > 0) log.info("deleted {} security events older than {}", deleted, retention);
        } catch (RuntimeException e) {
            log.warn("deleting old security events failed; the next run tries again: {}", e.toString());
        }
    }

    /** One retention run: the number of events deleted. */
    long deleteExpired() {
        Timestamp cutoff = Timestamp.from(clock.instant().minus(retention));
        long deleted = 0;
        while (true) {
            int n = jdbc.update("DELETE FROM security_events WHERE id IN (SELECT id FROM security_events "
                    + "WHERE at < ? LIMIT ?)", cutoff, DELETE_BATCH);
            deleted += n;
            if (n < DELETE_BATCH) return deleted;
        }
    }

    /** The retention window's start: events before it are (or are about to be) deleted. */
    public Instant retentionStart() {
        return clock.instant().minus(retention);
    }

    /**
     * At most {@code max} characters (not splitting a surrogate pair), control characters (NUL, which PostgreSQL
     * refuses, line breaks, ...) replaced by {@code ?}.
     */
    static String cut(String s, int max) {
        if (s == null) return null;
        int end = Math.min(s.length(), max);
        if (end < s.length() && end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) end--;
        StringBuilder out = null;
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (out == null) out = new StringBuilder(s.substring(0, i));
                out.append('?');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out != null ? out.toString() : s.substring(0, end);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
