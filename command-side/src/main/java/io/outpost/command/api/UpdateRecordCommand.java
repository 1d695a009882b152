package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

/** Apply an RFC 7396 merge {@code patch} made against {@code baseVersion}; {@code derived} as for creates. */
public record UpdateRecordCommand(@TargetAggregateIdentifier RecordKey key, OpContext op, long baseVersion,
                                  ObjectNode patch, ObjectNode derived) implements RecordCommand {
}
