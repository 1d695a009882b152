package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.serialization.Revision;

/**
 * A record came into existence at version 1 with {@code data} (derived fields included), in the shape of its
 * collection's schema version {@code schemaVersion} (docs/schema-versions.md).
 *
 * <p>Revision 2 added {@code schemaVersion}; events stored at revision 1 are read as version 1
 * ({@code upcasting.RecordCreatedEvent1To2Upcaster}).
 */
@Revision("2")
public record RecordCreatedEvent(RecordKey key, long version, ObjectNode data, String createdBy, ChangeStamp stamp,
                                 int schemaVersion) {

    /** Data of a collection's first schema version. */
    public RecordCreatedEvent(RecordKey key, long version, ObjectNode data, String createdBy, ChangeStamp stamp) {
        this(key, version, data, createdBy, stamp, 1);
    }
}
