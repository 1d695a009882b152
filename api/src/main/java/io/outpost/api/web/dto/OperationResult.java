package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * One entry of a push response's {@code results} (PROTOCOL.md, Push). {@code deleted} is set only on a conflict
 * with a deleted record (then {@code data} is null); {@code duplicate} only when true.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"opId", "status"})
public record OperationResult(long opId,
                              @Schema(allowableValues = {"applied", "merged", "conflict", "rejected"}) String status,
                                      String collection, String id, String tempId, Long version,
                              Boolean deleted, @Schema(implementation = Object.class, nullable = true) JsonNode data, Conflict conflict,
                                      Error error, Boolean duplicate) {

    /** {@code reason}: {@code exists}, {@code deleted}, {@code stale} or {@code ahead} (docs/push.md, Conflicts). */
    @Schema(name = "OperationConflict")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Conflict(String conflictId,
                           @Schema(allowableValues = {"reject", "merge", "client-wins", "last-write-wins", "manual"})
                           String strategy, List<String> fields,
                           @Schema(allowableValues = {"exists", "deleted", "stale", "ahead"}) String reason) {
    }

    @Schema(name = "OperationError", requiredProperties = {"code", "message"})
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Error(@Schema(allowableValues = {"validation_failed", "unknown_collection", "not_found",
            "invalid_reference", "record_too_large", "invalid_operation", "op_id_reused", "group_failed", "forbidden"})
                        String code, String message, List<FieldMessage> fields) {
    }

    @Schema(name = "OperationFieldError", requiredProperties = {"field", "message"})
    public record FieldMessage(String field, String message) {
    }

    public OperationResult asDuplicate() {
        return new OperationResult(opId, status, collection, id, tempId, version, deleted, data, conflict, error, true);
    }
}
