package io.outpost.command.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Delete a record the client last saw at {@code baseVersion}. */
public record DeleteRecordCommand(@TargetAggregateIdentifier RecordKey key, OpContext op, long baseVersion)
        implements RecordCommand {
}
