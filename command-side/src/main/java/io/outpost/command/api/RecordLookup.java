package io.outpost.command.api;

import java.util.Optional;

/**
 * Reads a record from its event stream inside the current unit of work, so that a push sees its own earlier
 * operations. Empty when the record was never created. Used to check references, visibility and to derive fields
 * before a command is sent; must be called inside a unit of work.
 */
@FunctionalInterface
public interface RecordLookup {

    Optional<RecordView> find(RecordKey key);
}
