package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.serialization.Revision;

/** A record came into existence at version 1 with {@code data} (derived fields included). */
@Revision("1")
public record RecordCreatedEvent(RecordKey key, long version, ObjectNode data, String createdBy, ChangeStamp stamp) {
}
