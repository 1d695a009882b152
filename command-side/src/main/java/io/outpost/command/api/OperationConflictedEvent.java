package io.outpost.command.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An operation conflicted with the record's current version and its collection's strategy refused it. Nothing
 * changed; {@code attempt} is the client's data (create) or patch (update), null for a delete.
 */
@Revision("1")
public record OperationConflictedEvent(RecordKey key, String opType, long baseVersion, long serverVersion,
                                       String strategy, List<String> fields, JsonNode attempt) {
}
