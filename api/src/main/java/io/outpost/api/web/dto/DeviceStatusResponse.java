package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** The answer to {@code GET /sync/status} (PROTOCOL.md). Times never seen are null. */
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(requiredProperties = {"deviceId", "userId", "lastProcessedOpId", "lastPushAt", "lastPullAt", "openConflicts",
        "serverTime"})
public record DeviceStatusResponse(String deviceId, String userId, long lastProcessedOpId,
        @Schema(nullable = true) Instant lastPushAt,
                                   @Schema(nullable = true) Instant lastPullAt, long openConflicts,
                                           Instant serverTime) {
}
