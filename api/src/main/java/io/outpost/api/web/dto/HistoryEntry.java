package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.Map;

/**
 * One change or attempt in a record's history (PROTOCOL.md, Audit). {@code type} is {@code create}, {@code update},
 * {@code delete}, {@code unchanged}, {@code conflict} (refused by the strategy), {@code rejected},
 * {@code conflict_parked} or {@code conflict_resolved}; {@code data} is the state after it (null once deleted);
 * {@code details} holds what the type adds (attempt, error, conflictId, resolution…). Every field is always present,
 * {@code null} when it has no value (contract v1.2: {@code patch: null} for a delete).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(requiredProperties = {"version", "type", "data", "patch", "userId", "deviceId", "opId", "clientTimestamp",
        "recordedAt", "eventId", "sequence", "resolvedConflict", "details"})
public record HistoryEntry(long version,
                           @Schema(allowableValues = {"create", "update", "delete", "unchanged", "conflict", "rejected",
                                   "conflict_parked", "conflict_resolved"}) String type,
                           @Schema(implementation = Object.class, nullable = true) JsonNode data,
                           @Schema(implementation = Object.class, nullable = true) JsonNode patch,
                                   @Schema(nullable = true) String userId,
                           @Schema(nullable = true) String deviceId, @Schema(nullable = true) Long opId,
                           @Schema(nullable = true, format = "date-time") String clientTimestamp,
                           Instant recordedAt, String eventId, long sequence, @Schema(implementation = Object.class,
                                   nullable = true) JsonNode resolvedConflict,
                           @Schema(nullable = true) Map<String, Object> details) {
}
