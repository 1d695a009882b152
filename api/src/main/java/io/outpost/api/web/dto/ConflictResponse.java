package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/** One entry of {@code GET /conflicts} (PROTOCOL.md, Conflicts API); JSON fields are passed through as stored. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConflictResponse(String conflictId, String collection, String id, String deviceId, String userId,
                               long opId, long baseVersion, long serverVersion, @JsonRawValue String clientData,
                               @JsonRawValue String serverData, @JsonRawValue String fields, String status,
                               Instant createdAt, @JsonRawValue String resolution) {
}
