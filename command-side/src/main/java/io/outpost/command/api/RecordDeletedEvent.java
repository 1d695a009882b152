package io.outpost.command.api;

import org.axonframework.serialization.Revision;

/** A record became a tombstone at {@code version}; {@code resolvedConflict} as for updates. */
@Revision("1")
public record RecordDeletedEvent(RecordKey key, long version, ResolvedConflict resolvedConflict, ChangeStamp stamp) {
}
