package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/** The answer to {@code POST /conflicts/{id}/resolve}: the record's version and data after it (null when deleted). */
public record ResolveResponse(long version, @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode data) {
}
