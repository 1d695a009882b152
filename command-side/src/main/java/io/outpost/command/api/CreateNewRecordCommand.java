package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/**
 * {@link CreateRecordCommand} for an id the sender has just found unused: the aggregate is created without reading
 * its (empty) event stream first. Should the id have been taken meanwhile, the commit fails on the event store's
 * unique key and the sender retries, then with {@link CreateRecordCommand}.
 */
public record CreateNewRecordCommand(@TargetAggregateIdentifier RecordKey key, OpContext op, ObjectNode data,
                                     ObjectNode derived) implements RecordCommand {

    public CreateRecordCommand asCreate() {
        return new CreateRecordCommand(key, op, data, derived);
    }
}
