package io.outpost.command.api;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * An operation was rejected; nothing changed. Rejections decided by the record aggregate sit in the record's own
 * stream; those decided before a record could be named (bad collection, bad id, unknown reference) are stored as
 * free-standing events with a null {@code key}. {@code collection} and {@code id} are what the client sent and may be null.
 */
@Revision("1")
public record OperationRejectedEvent(RecordKey key, String collection, String id, String opType, RejectionCode code, String message,
                                     List<FieldError> fields) {
}
