package io.outpost.command.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A conflicting operation was parked for a person to resolve ({@code manual}). The record's data and version are
 * unchanged. {@code attempt} is the client's data (create) or patch (update), null for a delete; {@code serverData} the
 * record's state when it was parked (null when deleted).
 */
@Revision("1")
public record ConflictParkedEvent(RecordKey key, String conflictId, String opType, long baseVersion,
                                  long serverVersion, List<String> fields, JsonNode attempt, ObjectNode serverData,
                                  String userId, String deviceId, long opId) {
}
