package io.outpost.api.admin;


import io.outpost.api.security.SecurityEvents;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.command.api.FieldError;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/admin/security-events?type=&userId=&after=&limit=} (role admin): the caller's tenant's security
 * events ({@link SecurityEvents}) with an id greater than {@code after}, oldest first (newest last), at most
 * {@code limit} (1–1000, default 100); {@code next} is the last id shown when more remain. Events without a tenant
 * are not listed here: {@code /admin/stats} counts them. One index range scan on {@code (tenant, id)} per page.
 */
@RestController
@Tag(name = "Admin")
@RequestMapping(path = "/api/v1/admin", produces = MediaType.APPLICATION_JSON_VALUE)
class SecurityEventsController {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    /** One event; {@code userId}, {@code tenant} and {@code deviceId} are left out when unknown. */
    @Schema(requiredProperties = {"id", "at", "type"})
    record SecurityEvent(long id, Instant at, @Schema(allowableValues = {"login_failed", "token_rejected",
            "device_refused", "role_refused", "rate_limited", "tenant_refused"}) String type, String address,
                    String userId, String tenant,
                         String deviceId, String endpoint, String reason) {
    }

    /** A page; {@code next} (the last id shown) only when more events follow. */
    @Schema(requiredProperties = "events")
    record SecurityEventsPage(List<SecurityEvent> events, Long next) {
    }

    private final JdbcTemplate jdbc;

    SecurityEventsController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/security-events")
    @Operation(operationId = "securityEvents", summary = "The tenant's security events, oldest first, in pages")
    @ProblemCodes(ErrorCode.INVALID_REQUEST)
    SecurityEventsPage events(@Parameter(schema = @Schema(allowableValues = {"login_failed", "token_rejected",
            "device_refused", "role_refused", "rate_limited", "tenant_refused"}))
            @RequestParam(required = false) String type,
                              @RequestParam(required = false) String userId,
                              @Parameter(description = "the last id seen", schema = @Schema(type = "integer",
                                      format = "int64", minimum = "0")) @RequestParam(required = false) String after,
                              @Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "1000",
                                      defaultValue = "100")) @RequestParam(required = false) String limit,
                              @AuthenticationPrincipal SyncPrincipal caller) {
        SecurityEvents.Type wanted = type == null ? null : SecurityEvents.Type.fromWire(type).orElseThrow(() -> {
            String allowed = Arrays.stream(SecurityEvents.Type.values()).map(SecurityEvents.Type::wire)
                    .collect(Collectors.joining(", "));
            return new ApiException(ErrorCode.INVALID_REQUEST, "type must be one of " + allowed,
                    List.of(new FieldError("type", "must be one of " + allowed)));
        });
        long from = number("after", after, 0, Long.MAX_VALUE, 0);
        int size = (int) number("limit", limit, 1, MAX_LIMIT, DEFAULT_LIMIT);

        StringBuilder sql = new StringBuilder("SELECT id, at, type, address, user_id, tenant, device_id, endpoint, "
                + "reason FROM security_events WHERE tenant = ? AND id > ?");
        List<Object> args = new ArrayList<>(List.of(caller.tenant(), from));
        if (wanted != null) {
            sql.append(" AND type = ?");
            args.add(wanted.wire());
        }
        if (userId != null) {
            sql.append(" AND user_id = ?");
            args.add(userId);
        }
        sql.append(" ORDER BY id LIMIT ?");
        args.add(size + 1);
        List<SecurityEvent> rows = jdbc.query(sql.toString(), (rs, n) -> new SecurityEvent(rs.getLong(1),
                rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getString(8), rs.getString(9)), args.toArray());
        boolean more = rows.size() > size;
        List<SecurityEvent> page = more ? rows.subList(0, size) : rows;
        return new SecurityEventsPage(List.copyOf(page), more ? page.get(page.size() - 1).id() : null);
    }

    private static long number(String field, String value, long min, long max, long fallback) {
        if (value == null) return fallback;
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        String range = "must be an integer from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max);
        throw new ApiException(ErrorCode.INVALID_REQUEST, field + " " + range, List.of(new FieldError(field, range)));
    }
}
