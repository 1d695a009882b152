package io.outpost.api.admin;

import io.outpost.api.config.ProjectionLagMetrics;
import io.outpost.api.security.SecurityEvents;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.dto.StatsResponse.Operations;
import io.outpost.api.web.dto.StatsResponse.Row;
import io.outpost.api.web.dto.StatsResponse;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/admin/stats?userId=&deviceId=} (role admin): the caller's tenant's devices, records, operation
 * counts (per device, per user, in all), open conflicts and projection lag. Operation counts come from counters each
 * push advances in its own transaction. Also the security events without a tenant in the retention window, by type
 * (shown to the admins of every tenant only as counts; {@link SecurityEventsController} lists a tenant's own).
 */
@RestController
@Tag(name = "Admin")
@RequestMapping(path = "/api/v1/admin", produces = MediaType.APPLICATION_JSON_VALUE)
class AdminStatsController {

    private final JdbcTemplate jdbc;
    private final ProjectionLagMetrics lag;
    private final SecurityEvents securityEvents;

    AdminStatsController(JdbcTemplate jdbc, ProjectionLagMetrics lag, SecurityEvents securityEvents) {
        this.jdbc = jdbc;
        this.lag = lag;
        this.securityEvents = securityEvents;
    }

    @GetMapping("/stats")
    @Operation(operationId = "adminStats",
            summary = "Devices, records, operation counts and projection lag of the caller's tenant")
    StatsResponse stats(@RequestParam(required = false) String userId,
                        @RequestParam(required = false) String deviceId,
                        @AuthenticationPrincipal SyncPrincipal caller) {
        StringBuilder sql = new StringBuilder("SELECT device_id, user_id, ops_applied, ops_merged, ops_conflicts, "
                + "ops_rejected, ops_duplicates, last_push_at, last_pull_at FROM devices WHERE tenant = ?");
        List<Object> args = new ArrayList<>(List.of(caller.tenant()));
        if (userId != null) {
            sql.append(" AND user_id = ?");
            args.add(userId);
        }
        if (deviceId != null) {
            sql.append(" AND device_id = ?");
            args.add(deviceId);
        }
        sql.append(" ORDER BY user_id, device_id");
        List<Row> perDevice = jdbc.query(sql.toString(), (rs, n) -> {
            Operations ops = new Operations(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                    rs.getLong(7));
            return new Row(rs.getString(1), rs.getString(2), ops, ops.successRate(), instant(rs.getTimestamp(8)),
                    instant(rs.getTimestamp(9)));
        }, args.toArray());

        Map<String, Row> byUser = new LinkedHashMap<>();
        for (Row d : perDevice) {
            byUser.merge(d.userId(), new Row(null, d.userId(), d.operations(), null, d.lastPushAt(), d.lastPullAt()),
                    (a, b) -> new Row(null, a.userId(), add(a.operations(), b.operations()), null,
                            latest(a.lastPushAt(), b.lastPushAt()), latest(a.lastPullAt(), b.lastPullAt())));
        }
        List<Row> perUser = byUser.values().stream().map(u -> new Row(null, u.userId(), u.operations(),
                u.operations().successRate(), u.lastPushAt(), u.lastPullAt())).toList();
        Operations total = perDevice.stream().map(Row::operations)
                .reduce(new Operations(0, 0, 0, 0, 0), AdminStatsController::add);

        long records = jdbc.queryForObject("SELECT count(*) FROM records WHERE tenant = ? AND NOT deleted",
                Long.class, caller.tenant());
        long openConflicts = jdbc.queryForObject("SELECT count(*) FROM conflicts WHERE tenant = ? "
                + "AND status = 'open'", Long.class, caller.tenant());
        return new StatsResponse(perDevice.size(), records, total, openConflicts,
                projectionLag(), perDevice, perUser, securityEventsWithoutTenant());
    }

    /** Every type, 0 when none; rows past the retention but not yet deleted are not counted. */
    private Map<String, Long> securityEventsWithoutTenant() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (SecurityEvents.Type t : SecurityEvents.Type.values()) counts.put(t.wire(), 0L);
        jdbc.query("SELECT type, count(*) FROM security_events WHERE tenant IS NULL AND at >= ? GROUP BY type",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> {
                    long n = rs.getLong(2);
                    counts.computeIfPresent(rs.getString(1), (k, v) -> v + n);
                }, Timestamp.from(securityEvents.retentionStart()));
        return counts;
    }

    private StatsResponse.ProjectionLag projectionLag() {
        ProjectionLagMetrics.Lag now = lag.lag();
        return new StatsResponse.ProjectionLag(now.events(), now.seconds());
    }

    private static Operations add(Operations a, Operations b) {
        return new Operations(a.applied() + b.applied(), a.merged() + b.merged(), a.conflicts() + b.conflicts(),
                a.rejected() + b.rejected(), a.duplicates() + b.duplicates());
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isAfter(b) ? a : b;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
