package io.outpost.query.pull;

import java.time.Instant;

/**
 * One record at its latest version. {@code json} is the record's data as stored (JSON text, passed through to the
 * response without being parsed); null for a tombstone. {@code schemaVersion}: the collection schema version the data
 * is stored in. {@code position}: where its latest change lies in the feed.
 */
public record ChangeRow(String collection, String id, long version, boolean deleted, String json,
                        Instant updatedAt, String updatedBy, FeedPosition position, int schemaVersion) {
}
