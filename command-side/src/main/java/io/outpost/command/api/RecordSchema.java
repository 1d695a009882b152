package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A collection's data schema: the field errors of a record state, empty when it is valid. Pure and thread-safe. */
@FunctionalInterface
public interface RecordSchema {

    RecordSchema NONE = data -> List.of();

    List<FieldError> validate(ObjectNode data);
}
