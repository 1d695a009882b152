package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer to {@code GET /admin/stats} (PROTOCOL.md, Admin). {@code securityEventsWithoutTenant}: the security
 * events of the retention window that have no tenant (e.g. tokens whose signature did not verify), by type, every
 * type present (0 when none); they are shown to the admins of every tenant only as these counts.
 */
@Schema(requiredProperties = {"devices", "records", "operations", "openConflicts", "projectionLag", "perDevice",
        "perUser", "securityEventsWithoutTenant"})
public record StatsResponse(long devices, long records, Operations operations, long openConflicts,
                            ProjectionLag projectionLag, List<Row> perDevice, List<Row> perUser,
                            Map<String, Long> securityEventsWithoutTenant) {

    @Schema(name = "OperationCounts", requiredProperties = {"applied", "merged", "conflicts", "rejected", "duplicates"})
    public record Operations(long applied, long merged, long conflicts, long rejected, long duplicates) {

        /** (applied + merged) ÷ (applied + merged + conflicts + rejected); null without operations. */
        public Double successRate() {
            long all = applied + merged + conflicts + rejected;
            return all == 0 ? null : (double) (applied + merged) / all;
        }
    }

    @Schema(requiredProperties = {"events", "seconds"})
    public record ProjectionLag(long events, double seconds) {
    }

    /** One device (then {@code deviceId} is set) or one user. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "StatsRow", requiredProperties = {"userId", "operations"})
    public record Row(String deviceId, String userId, Operations operations, Double successRate, Instant lastPushAt,
                      Instant lastPullAt) {
    }
}
