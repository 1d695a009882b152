package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** A record as it was at a version or a time, rebuilt from its events. */
@Schema(requiredProperties = {"collection", "id", "version", "deleted", "data", "updatedAt"})
public record RecordAsOfResponse(String collection, String id, long version, boolean deleted,
                                 @Schema(implementation = Object.class, nullable = true)
                                         @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode data, Instant updatedAt,
                                 String updatedBy) {
}
