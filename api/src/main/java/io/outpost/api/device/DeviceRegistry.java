package io.outpost.api.device;

import io.outpost.api.web.ApiException;
import io.outpost.api.web.DeviceRefusedException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code devices} table. A device is bound to the first user of the tenant that uses it (push, pull or
 * stream); another user presenting it gets 403 {@code device_bound_to_other_user}.
 */
@Repository
public class DeviceRegistry {

    private final JdbcTemplate jdbc;

    private static final String COLUMNS = "user_id, last_op_id, last_push_at, last_pull_at, revoked_at IS NOT NULL, "
            + "pending_ops";

    private final TransactionTemplate transaction;

    public DeviceRegistry(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    /**
     * The first key of the devices' advisory locks (the second: the hash of tenant and device). One push per device at
     * a time, and a revocation waits for the push in progress. An advisory lock and not the device's row lock: a row
     * lock gives the push's transaction its id at its start, and the change feed's horizon waits for the oldest open
     * transaction id (V19), so every pull would wait for whole pushes instead of their last milliseconds. (Two devices
     * whose hashes collide only take turns.)
     */
    static final int DEVICE_LOCKS = 0x0de71c;
    private static final String LOCK_DEVICE = "SELECT pg_advisory_xact_lock(?, hashtext(? || '/' || ?))";

    /** {@code revoked}: an admin revoked it (contract v1.2); every request naming it is refused. */
    /** {@code pendingOps}: what the device last reported of its queue (null: never). */
    public record Device(String userId, long lastOpId, Instant lastPushAt, Instant lastPullAt, boolean revoked,
                         Long pendingOps) {
    }

    /**
     * Revokes the device (idempotent); false when the tenant has no such device. {@code by} is the admin's user.
     */
    public boolean revoke(String tenant, String deviceId, String by, Instant now) {
        // after the push in progress, if any: once revoked, no push of the device commits
        return Boolean.TRUE.equals(transaction.execute(status -> {
            jdbc.queryForObject(LOCK_DEVICE, Object.class, DEVICE_LOCKS, tenant, deviceId);
            jdbc.update("UPDATE devices SET revoked_at = ?, revoked_by = ? WHERE tenant = ? AND device_id = ? "
                    + "AND revoked_at IS NULL", Timestamp.from(now), by, tenant, deviceId);
            return find(tenant, deviceId).isPresent();
        }));
    }

    /**
     * How long PostgreSQL lets a push's transaction sit idle between two statements before it ends the session. A
     * push takes locks (its device's, the streams it appends to) and, once it writes, holds the change feed's horizon
     * (V19); a node cut off from the database mid-push would otherwise hold them until PostgreSQL's TCP keep-alive
     * notices the silent client, hours later, and every other node's requests for the same device would wait on them,
     * and every pull for changes newer than the push's. No push pauses that long between two
     * statements. Set for the push's transaction only: the rebuild's event stream keeps its own
     * transactions open while they wait for new events, and must not be ended.
     */
    static final String PUSH_IDLE_LIMIT = "3s";

    /**
     * For a push: bounds its transaction's idle time ({@link #PUSH_IDLE_LIMIT}), takes the device's lock until commit
     * (one push per device at a time: {@link #DEVICE_LOCKS}), then reads the device, registering it on first use.
     */
    public Device lockForPush(String tenant, String deviceId, String userId, Instant now) {
        jdbc.queryForObject(LOCK_FOR_PUSH, Object.class, DEVICE_LOCKS, tenant, deviceId, PUSH_IDLE_LIMIT);
        // read after the lock, in a statement of its own (READ COMMITTED): it sees what the push before committed
        Device device = find(tenant, deviceId).orElse(null);
        if (device == null) {
            register(tenant, deviceId, userId, now);
            device = find(tenant, deviceId).orElseThrow();
        }
        return owned(device, deviceId, userId);
    }

    /** Sets the transaction's idle limit and takes the device's lock in one statement ({@code set_config} is local). */
    private static final String LOCK_FOR_PUSH = LOCK_DEVICE
            + " FROM (SELECT set_config('idle_in_transaction_session_timeout', ?, true)) AS limited";

    /** What one push did, for the device's counters. */
    public record PushCounts(long applied, long merged, long conflicts, long rejected, long duplicates) {
    }

    public void advance(String tenant, String deviceId, long lastOpId, Instant now, PushCounts counts) {
        jdbc.update("UPDATE devices SET last_op_id = GREATEST(last_op_id, ?), last_push_at = ?, "
                        + "ops_applied = ops_applied + ?, ops_merged = ops_merged + ?, "
                        + "ops_conflicts = ops_conflicts + ?, ops_rejected = ops_rejected + ?, "
                        + "ops_duplicates = ops_duplicates + ? WHERE tenant = ? AND device_id = ?",
                lastOpId, Timestamp.from(now), counts.applied(), counts.merged(), counts.conflicts(),
                counts.rejected(), counts.duplicates(), tenant, deviceId);
    }

    /** {@code last_pull_at} is refreshed at most this often, so frequent pulls are reads, not commits. */
    public static final java.time.Duration PULL_TIME_GRANULARITY = java.time.Duration.ofSeconds(5);

    /**
     * For a pull: registers the device on first use, checks its user, and records the pull time (to within
     * {@link #PULL_TIME_GRANULARITY}) and the queue it reports ({@code pendingOps}, null: none reported; written when
     * it changed, so steady pulls stay reads).
     */
    public void bindForPull(String tenant, String deviceId, String userId, Instant now, Long pendingOps) {
        Device device = find(tenant, deviceId).orElse(null);
        if (device == null) {
            register(tenant, deviceId, userId, now);
            device = find(tenant, deviceId).orElseThrow();
        }
        owned(device, deviceId, userId);
        boolean reported = pendingOps != null && !pendingOps.equals(device.pendingOps());
        if (reported || device.lastPullAt() == null
                || device.lastPullAt().isBefore(now.minus(PULL_TIME_GRANULARITY))) {
            jdbc.update("UPDATE devices SET last_pull_at = ?, pending_ops = COALESCE(?, pending_ops), "
                            + "pending_reported_at = CASE WHEN ? THEN ? ELSE pending_reported_at END "
                            + "WHERE tenant = ? AND device_id = ?", Timestamp.from(now), pendingOps, pendingOps != null,
                    Timestamp.from(now), tenant, deviceId);
        }
    }

    /** For a stream: registers the device on first use and checks its user. */
    public void bind(String tenant, String deviceId, String userId, Instant now) {
        register(tenant, deviceId, userId, now);
        find(tenant, deviceId).ifPresent(d -> owned(d, deviceId, userId));
    }

    public java.util.Optional<Device> find(String tenant, String deviceId) {
        List<Device> found = jdbc.query("SELECT " + COLUMNS + " FROM devices "
                + "WHERE tenant = ? AND device_id = ?", (rs, n) -> device(rs), tenant, deviceId);
        return found.stream().findFirst();
    }

    private void register(String tenant, String deviceId, String userId, Instant now) {
        jdbc.update("INSERT INTO devices (tenant, device_id, user_id, last_op_id, first_seen_at) "
                + "VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING", tenant, deviceId, userId, Timestamp.from(now));
    }

    private static Device owned(Device device, String deviceId, String userId) {
        if (device.revoked()) throw DeviceRefusedException.revoked(deviceId);
        if (!device.userId().equals(userId)) throw boundToOther(deviceId);
        return device;
    }

    private static ApiException boundToOther(String deviceId) {
        return new DeviceRefusedException(deviceId);
    }

    private static Device device(java.sql.ResultSet rs) throws java.sql.SQLException {
        Timestamp push = rs.getTimestamp(3);
        Timestamp pull = rs.getTimestamp(4);
        long pending = rs.getLong(6);
        return new Device(rs.getString(1), rs.getLong(2), push == null ? null : push.toInstant(),
                pull == null ? null : pull.toInstant(), rs.getBoolean(5), rs.wasNull() ? null : pending);
    }
}
