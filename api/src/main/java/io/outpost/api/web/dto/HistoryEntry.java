package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
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
public record HistoryEntry(long version, String type, JsonNode data,
                           JsonNode patch, String userId, String deviceId, Long opId, String clientTimestamp,
                           Instant recordedAt, String eventId, long sequence, JsonNode resolvedConflict,
                           Map<String, Object> details) {
}
