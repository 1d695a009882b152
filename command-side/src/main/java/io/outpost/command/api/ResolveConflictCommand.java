package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Resolve an open conflict of the record. {@code data} is required for {@code CUSTOM} only. {@code admin}: the
 * resolver may resolve conflicts of other users' operations.
 */
public record ResolveConflictCommand(@TargetAggregateIdentifier RecordKey key, String conflictId,
                                     Resolution resolution, ObjectNode data, String resolvedBy, boolean admin,
                                     Instant at) implements RecordCommand {

    public enum Resolution {
        SERVER, CLIENT, CUSTOM;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
