package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** One entry of {@code GET /conflicts} (PROTOCOL.md, Conflicts API); JSON fields are passed through as stored. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"conflictId", "collection", "id", "opId", "baseVersion", "serverVersion", "status",
        "createdAt"})
public record ConflictResponse(String conflictId, String collection, String id, String deviceId, String userId,
                               long opId, long baseVersion, long serverVersion, @Schema(implementation = Object.class,
                                       description = "the op's data") @JsonRawValue String clientData,
                               @Schema(implementation = Object.class,
                                       description = "the record's data when the conflict arose")
                                       @JsonRawValue String serverData, @ArraySchema(schema =
                                       @Schema(implementation = String.class)) @JsonRawValue String fields,
                                       @Schema(allowableValues = {"open", "resolved"}) String status,
                               Instant createdAt, @Schema(implementation = Object.class,
                                       description = "how it was resolved (resolved conflicts only)")
                                       @JsonRawValue String resolution) {
}
