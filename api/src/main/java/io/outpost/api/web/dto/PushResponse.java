package io.outpost.api.web.dto;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** The 200 answer to a push: one result per operation, in order. */
@Schema(requiredProperties = {"lastProcessedOpId", "results"})
public record PushResponse(long lastProcessedOpId, List<OperationResult> results) {
}
