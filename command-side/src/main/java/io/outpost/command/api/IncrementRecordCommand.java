package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Add each numeric delta of {@code deltas} to that top-level field of the record (PROTOCOL.md v1.2, Increment): no
 * base version, never a conflict; only fields the collection declares as {@code counters}.
 */
public record IncrementRecordCommand(@TargetAggregateIdentifier RecordKey key, OpContext op, ObjectNode deltas)
        implements RecordCommand {
}
