package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One entry of a push response's {@code results} (PROTOCOL.md, Push). {@code deleted} is set only on a conflict
 * with a deleted record (then {@code data} is null); {@code duplicate} only when true.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OperationResult(long opId, String status, String collection, String id, String tempId, Long version,
                              Boolean deleted, JsonNode data, Conflict conflict, Error error, Boolean duplicate) {

    /** {@code reason}: {@code exists}, {@code deleted}, {@code stale} or {@code ahead} (docs/push.md, Conflicts). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Conflict(String conflictId, String strategy, List<String> fields, String reason) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Error(String code, String message, List<FieldMessage> fields) {
    }

    public record FieldMessage(String field, String message) {
    }

    public OperationResult asDuplicate() {
        return new OperationResult(opId, status, collection, id, tempId, version, deleted, data, conflict, error, true);
    }
}
