package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;

/** The answer to {@code POST /conflicts/{id}/resolve}: the record's version and data after it (null when deleted). */
@Schema(requiredProperties = {"version", "data"})
public record ResolveResponse(long version, @Schema(implementation = Object.class, nullable = true)
        @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode data) {
}
