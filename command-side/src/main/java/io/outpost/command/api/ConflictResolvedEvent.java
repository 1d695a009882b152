package io.outpost.command.api;

import org.axonframework.serialization.Revision;

/**
 * An open conflict was resolved by {@code resolvedBy}: {@code server} (kept the record as it was), {@code client}
 * (the parked attempt applied on top of the state at resolution time) or {@code custom} (data given by the
 * resolver). {@code version} is the record's version after the resolution.
 */
@Revision("1")
public record ConflictResolvedEvent(RecordKey key, String conflictId, String resolution, String resolvedBy,
                                    long version) {
}
