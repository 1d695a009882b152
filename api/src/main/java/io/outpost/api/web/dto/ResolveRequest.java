package io.outpost.api.web.dto;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The body of {@code POST /conflicts/{conflictId}/resolve} (PROTOCOL.md, Conflicts API); read as JSON by the
 * controller, described here for the OpenAPI document. {@code data} is the record's new data for {@code custom}.
 */
@Schema(requiredProperties = "resolution")
public record ResolveRequest(@Schema(allowableValues = {"server", "client", "custom"}) String resolution,
                             @Schema(nullable = true) ObjectNode data) {
}
