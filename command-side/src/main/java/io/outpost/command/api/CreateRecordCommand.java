package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * Create a record with the full {@code data}. {@code derived} holds the server-derived fields to lay over it
 * (a null value removes the field); it may be empty.
 */
public record CreateRecordCommand(@TargetAggregateIdentifier RecordKey key, OpContext op, ObjectNode data,
                                  ObjectNode derived) implements RecordCommand {
}
