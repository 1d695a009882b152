package io.outpost.api.web.dto;

import java.util.List;

/** The 200 answer to a push: one result per operation, in order. */
public record PushResponse(long lastProcessedOpId, List<OperationResult> results) {
}
