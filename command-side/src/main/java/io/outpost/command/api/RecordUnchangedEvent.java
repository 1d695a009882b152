package io.outpost.command.api;

import org.axonframework.serialization.Revision;

/**
 * An operation was accepted but had nothing to change: a create re-sent with exactly the record's current data
 * ({@code create_repeated}) or a delete of a record already deleted ({@code already_deleted}). The version stays.
 * It exists so that every operation leaves exactly one event.
 */
@Revision("1")
public record RecordUnchangedEvent(RecordKey key, long version, String reason) {
    public static final String CREATE_REPEATED = "create_repeated";
    public static final String ALREADY_DELETED = "already_deleted";
}
