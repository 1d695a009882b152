package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A record changed to {@code state} at {@code version}. {@code patch} is the merge patch that turned the previous
 * state into it, {@code changedFields} the top-level fields whose value changed. {@code resolvedConflict} is set
 * when the change won a conflict automatically (merge, client-wins, last-write-wins); a deleted record that an
 * update revives is live again after this event. {@code state} is in the shape of its collection's schema version
 * {@code schemaVersion} (docs/schema-versions.md); when that is newer than the previous state's, {@code patch}
 * includes what the upgrade changed.
 *
 * <p>Revision 2 added {@code schemaVersion}; events stored at revision 1 are read as version 1
 * ({@code upcasting.RecordUpdatedEvent1To2Upcaster}).
 */
@Revision("2")
public record RecordUpdatedEvent(RecordKey key, long version, ObjectNode patch, ObjectNode state,
                                 List<String> changedFields, ResolvedConflict resolvedConflict, ChangeStamp stamp,
                                 int schemaVersion) {

    /** State of a collection's first schema version. */
    public RecordUpdatedEvent(RecordKey key, long version, ObjectNode patch, ObjectNode state,
                              List<String> changedFields, ResolvedConflict resolvedConflict, ChangeStamp stamp) {
        this(key, version, patch, state, changedFields, resolvedConflict, stamp, 1);
    }
}
