package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;

/** The answer to {@code GET /sync/pull} (PROTOCOL.md, Pull). */
@Schema(requiredProperties = {"changes", "cursor", "hasMore", "lastProcessedOpId", "reset"})
public record PullResponse(List<Change> changes, String cursor, boolean hasMore, long lastProcessedOpId,
                           boolean reset) {

    /**
     * One record at its latest version; {@code data} is the stored JSON text, written through unparsed (null for a
     * tombstone).
     */
    @Schema(name = "PullChange", requiredProperties = {"collection", "id", "version", "deleted", "data", "updatedAt"})
    public record Change(String collection, String id, long version, boolean deleted,
                         @Schema(implementation = Object.class, nullable = true, description = "null for a tombstone")
                         @JsonInclude(JsonInclude.Include.ALWAYS) @JsonRawValue String data, Instant updatedAt,
                         String updatedBy) {
    }
}
