package io.outpost.api.web.dto;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The body of {@code POST /sync/push} (PROTOCOL.md, Push). The server reads it as JSON itself, so that one malformed
 * operation is rejected on its own ({@code invalid_operation}) instead of failing the whole push; this record
 * describes the well-formed shape in the OpenAPI document.
 */
@Schema(name = "PushRequest", requiredProperties = {"deviceId", "operations"})
public record PushRequestBody(@Schema(pattern = "^[A-Za-z0-9._:-]{1,64}$") String deviceId,
                              @ArraySchema(maxItems = 1000) List<Operation> operations) {

    /**
     * One operation. {@code data}: the full record ({@code create}), a JSON Merge Patch ({@code update}), the
     * deltas of counters ({@code increment}), absent for {@code delete}. {@code id} and {@code tempId} may also be
     * integers, meaning their decimal string.
     */
    @Schema(name = "PushOperation", requiredProperties = {"opId", "type", "collection"})
    public record Operation(@Schema(minimum = "1") long opId,
                            @Schema(allowableValues = {"create", "update", "delete", "increment"}) String type,
                            @Schema(pattern = "^[a-z][a-z0-9_]{0,62}$") String collection,
                            String id, String tempId, @Schema(minimum = "1") Long baseVersion, ObjectNode data,
                            @Schema(format = "date-time") String clientTimestamp,
                            @Schema(pattern = "^[A-Za-z0-9._:-]{1,64}$") String group) {
    }
}
