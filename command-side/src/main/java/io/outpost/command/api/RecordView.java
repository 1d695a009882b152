package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A record's current state as the command side sees it, uncommitted changes of the current push included.
 * {@code data} is the last live state (kept for a tombstone too); {@code createdBy} the user whose op created it.
 */
public record RecordView(RecordKey key, long version, boolean deleted, ObjectNode data, String createdBy) {
}
