package io.outpost.api.admin;

import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.dto.DeviceListResponse;
import io.outpost.api.web.dto.StatsResponse;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.sql.Timestamp;
import java.time.Instant;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/admin/devices} (role admin): every device of the caller's tenant with its user, last push and
 * pull, op counts and success rate, open conflicts and revocation, for the console's fleet view.
 */
@RestController
@Tag(name = "Admin")
class DeviceListController {

    private final JdbcTemplate jdbc;

    DeviceListController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping(path = "/api/v1/admin/devices", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "adminDevices",
            summary = "The tenant's devices: last push and pull, op counts, success rate, open conflicts")
    DeviceListResponse devices(@AuthenticationPrincipal SyncPrincipal caller) {
        return new DeviceListResponse(jdbc.query("""
                SELECT d.device_id, d.user_id, d.first_seen_at, d.last_push_at, d.last_pull_at, d.last_op_id,
                       d.ops_applied, d.ops_merged, d.ops_conflicts, d.ops_rejected, d.ops_duplicates, d.revoked_at,
                       d.pending_ops,
                       (SELECT count(*) FROM conflicts c WHERE c.tenant = d.tenant AND c.device_id = d.device_id
                            AND c.status = 'open') AS open_conflicts
                FROM devices d WHERE d.tenant = ? ORDER BY d.user_id, d.device_id
                """, (rs, n) -> {
            StatsResponse.Operations ops = new StatsResponse.Operations(rs.getLong(7), rs.getLong(8), rs.getLong(9),
                    rs.getLong(10), rs.getLong(11));
            long pending = rs.getLong(13);
            Long pendingOps = rs.wasNull() ? null : pending;
            return new DeviceListResponse.Device(rs.getString(1), rs.getString(2), instant(rs.getTimestamp(3)),
                    instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)), rs.getLong(6), pendingOps, ops,
                    ops.successRate(), rs.getLong(14), instant(rs.getTimestamp(12)));
        }, caller.tenant()));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
