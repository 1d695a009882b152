package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A record changed to {@code state} at {@code version}. {@code patch} is the merge patch that turned the previous
 * state into it, {@code changedFields} the top-level fields whose value changed. {@code resolvedConflict} is set
 * when the change won a conflict automatically (merge, client-wins, last-write-wins); a deleted record that an
 * update revives is live again after this event.
 */
@Revision("1")
public record RecordUpdatedEvent(RecordKey key, long version, ObjectNode patch, ObjectNode state,
                                 List<String> changedFields, ResolvedConflict resolvedConflict, ChangeStamp stamp) {
}
