package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** The answer to {@code GET /sync/status} (PROTOCOL.md). Times never seen are null. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record DeviceStatusResponse(String deviceId, String userId, long lastProcessedOpId, Instant lastPushAt,
                                   Instant lastPullAt, long openConflicts, Instant serverTime) {
}
