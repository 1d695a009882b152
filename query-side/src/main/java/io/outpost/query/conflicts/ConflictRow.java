package io.outpost.query.conflicts;

import java.time.Instant;

/** One parked conflict as listed; the JSON columns come as stored JSON text. */
public record ConflictRow(String conflictId, String collection, String id, String deviceId, String userId, long opId,
                          long baseVersion, long serverVersion, String clientData, String serverData, String fields,
                          String status, Instant createdAt, String resolution) {
}
