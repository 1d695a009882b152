package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** A record as it was at a version or a time, rebuilt from its events. */
public record RecordAsOfResponse(String collection, String id, long version, boolean deleted,
                                 @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode data, Instant updatedAt,
                                 String updatedBy) {
}
