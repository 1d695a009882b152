package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;

/** The answer to {@code GET /sync/pull} (PROTOCOL.md, Pull). */
public record PullResponse(List<Change> changes, String cursor, boolean hasMore, long lastProcessedOpId,
                           boolean reset) {

    /** One record at its latest version; {@code data} is null for a tombstone. */
    public record Change(String collection, String id, long version, boolean deleted,
                         @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode data, Instant updatedAt,
                         String updatedBy) {
    }
}
