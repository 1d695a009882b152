package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;

/**
 * The answer to {@code GET /admin/devices}: the caller's tenant's devices, by user then deviceId (docs/console.md,
 * Fleet). {@code pendingOps} is what the device last reported of its queue ({@code GET /sync/pull?pendingOps=}, which
 * both SDKs send); null: it never reported one. {@code openConflicts} counts its ops parked as open conflicts.
 */
@Schema(requiredProperties = "devices")
public record DeviceListResponse(List<Device> devices) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    @Schema(name = "FleetDevice", requiredProperties = {"deviceId", "userId", "firstSeenAt", "lastPushAt",
            "lastPullAt", "lastOpId", "pendingOps", "operations", "successRate", "openConflicts", "revokedAt"})
    public record Device(String deviceId, String userId, Instant firstSeenAt,
                         @Schema(nullable = true) Instant lastPushAt, @Schema(nullable = true) Instant lastPullAt,
                         long lastOpId, @Schema(nullable = true) Long pendingOps, StatsResponse.Operations operations,
                         @Schema(nullable = true) Double successRate, long openConflicts,
                         @Schema(nullable = true) Instant revokedAt) {
    }
}
