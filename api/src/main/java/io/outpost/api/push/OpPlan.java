package io.outpost.api.push;

import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordCommand;
import io.outpost.command.api.RejectionCode;
import java.util.List;

/** What {@link OpPlanner} decided for one operation: a command for its record, or a rejection before one. */
sealed interface OpPlan {

    /** The op names a record: run {@code command} on it; {@code id} and {@code tempId} are echoed in the result. */
    record Run(RecordCommand command, String id, String tempId) implements OpPlan {
    }

    /** The op is refused before any record is changed; it still leaves a free-standing rejection event. */
    record Reject(String id, String tempId, RejectionCode code, String message, List<FieldError> fields)
            implements OpPlan {
    }
}
