package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A record's current state as the command side sees it, uncommitted changes of the current push included.
 * {@code data} is the last live state (kept for a tombstone too), in the shape of the collection's schema version
 * {@code schemaVersion}; {@code createdBy} the user whose op created it.
 */
public record RecordView(RecordKey key, long version, boolean deleted, ObjectNode data, String createdBy,
                         int schemaVersion) {

    /** A record of its collection's first schema version. */
    public RecordView(RecordKey key, long version, boolean deleted, ObjectNode data, String createdBy) {
        this(key, version, deleted, data, createdBy, 1);
    }
}
