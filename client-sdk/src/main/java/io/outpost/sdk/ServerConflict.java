package io.outpost.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/** An open or resolved conflict as the server's Conflicts API lists it ({@code manual} strategies). */
public record ServerConflict(String conflictId, String collection, String id, String deviceId, String userId,
                             long opId, long baseVersion, long serverVersion, ObjectNode clientData,
                             ObjectNode serverData, List<String> fields, String status, Instant createdAt) {
}
