package io.outpost.api.admin;

import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.dto.StatsHistoryResponse;
import io.outpost.api.web.dto.StatsResponse;
import io.outpost.command.api.FieldError;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/admin/stats/history?minutes=} (role admin): the caller's tenant's figures over the last minutes
 * (default 60, at most 7 days), as {@link StatsHistorySampler} stored them, for the console's charts.
 */
@RestController
@Tag(name = "Admin")
class StatsHistoryController {

    static final int MAX_MINUTES = 7 * 24 * 60;

    private final JdbcTemplate jdbc;
    private final StatsHistoryProperties properties;
    private final Clock clock;

    StatsHistoryController(JdbcTemplate jdbc, StatsHistoryProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    private record Stored(Instant at, StatsResponse.Operations totals, long openConflicts,
                          StatsResponse.ProjectionLag lag, long pushes, Double latency) {
    }

    @GetMapping(path = "/api/v1/admin/stats/history", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "adminStatsHistory",
            summary = "The tenant's operations, open conflicts, projection lag and push latency over time")
    @ProblemCodes(ErrorCode.INVALID_REQUEST)
    StatsHistoryResponse history(@Parameter(schema = @Schema(type = "integer", minimum = "1", maximum = "10080",
                                         defaultValue = "60")) @RequestParam(required = false) String minutes,
                                 @AuthenticationPrincipal SyncPrincipal caller) {
        long span = minutes(minutes);
        Instant to = clock.instant();
        Instant from = to.minus(Duration.ofMinutes(span));
        // the sample before the window too: the first one's operations are the difference to it
        List<Stored> rows = jdbc.query("""
                SELECT at, ops_applied, ops_merged, ops_conflicts, ops_rejected, ops_duplicates, open_conflicts,
                       projection_lag_events, projection_lag_seconds, pushes, push_latency_ms
                FROM stats_samples WHERE tenant = ? AND at >= coalesce(
                    (SELECT max(at) FROM stats_samples WHERE tenant = ? AND at < ?), ?)
                ORDER BY at
                """, StatsHistoryController::stored, caller.tenant(), caller.tenant(), Timestamp.from(from),
                Timestamp.from(from));
        List<StatsHistoryResponse.Sample> samples = new ArrayList<>();
        Stored previous = null;
        for (Stored s : rows) {
            if (!s.at().isBefore(from)) {
                samples.add(new StatsHistoryResponse.Sample(s.at(), previous == null ? null
                        : difference(s.totals(), previous.totals()), s.openConflicts(), s.lag(), s.pushes(),
                        s.latency()));
            }
            previous = s;
        }
        return new StatsHistoryResponse(properties.sampleInterval().toSeconds(), from, to, samples);
    }

    private static Stored stored(ResultSet rs, int n) throws SQLException {
        Double latency = rs.getObject(11) == null ? null : rs.getDouble(11);
        return new Stored(rs.getTimestamp(1).toInstant(), new StatsResponse.Operations(rs.getLong(2), rs.getLong(3),
                rs.getLong(4), rs.getLong(5), rs.getLong(6)), rs.getLong(7),
                new StatsResponse.ProjectionLag(rs.getLong(8), rs.getDouble(9)), rs.getLong(10),
                latency);
    }

    /** Counters never go down; a device row deleted meanwhile would make a difference negative: 0 then. */
    private static StatsResponse.Operations difference(StatsResponse.Operations a, StatsResponse.Operations b) {
        return new StatsResponse.Operations(Math.max(0, a.applied() - b.applied()),
                Math.max(0, a.merged() - b.merged()), Math.max(0, a.conflicts() - b.conflicts()),
                Math.max(0, a.rejected() - b.rejected()), Math.max(0, a.duplicates() - b.duplicates()));
    }

    private static long minutes(String value) {
        if (value == null) return 60;
        try {
            long n = Long.parseLong(value.trim());
            if (n >= 1 && n <= MAX_MINUTES) return n;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        String range = "must be an integer from 1 to " + MAX_MINUTES;
        throw new ApiException(ErrorCode.INVALID_REQUEST, "minutes " + range,
                List.of(new FieldError("minutes", range)));
    }
}
