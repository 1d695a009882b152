package io.outpost.query.pull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One record at its latest version; {@code data} is null for a tombstone. */
public record ChangeRow(String collection, String id, long version, boolean deleted, JsonNode data,
                        Instant updatedAt, String updatedBy, long changeSeq) {
}
