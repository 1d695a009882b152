package io.outpost.command.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/** A collection's data schema: the field errors of a record state, empty when it is valid. Pure and thread-safe. */
@FunctionalInterface
public interface RecordSchema {

    RecordSchema NONE = data -> List.of();

    List<FieldError> validate(ObjectNode data);

    /** The schema document, for clients to validate locally ({@code GET /api/v1/collections}); empty if none. */
    default Optional<JsonNode> document() {
        return Optional.empty();
    }
}
