package io.outpost.command.api.upcasting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;

/**
 * Turns one event type's payload of revision {@code from} into revision {@code to} by adding the fields the newer
 * revision introduced, with the value that the older revision meant. Works on the JSON tree, so it never needs the
 * old class.
 */
abstract class AddFieldUpcaster extends SingleEventUpcaster {

    private final SimpleSerializedType from;
    private final String to;
    private final Consumer<ObjectNode> change;

    AddFieldUpcaster(Class<?> eventType, String from, String to, Consumer<ObjectNode> change) {
        this.from = new SimpleSerializedType(eventType.getName(), from);
        this.to = to;
        this.change = change;
    }

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return from.equals(representation.getType());
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(new SimpleSerializedType(from.getName(), to), JsonNode.class, payload -> {
            ObjectNode copy = ((ObjectNode) payload).deepCopy();
            change.accept(copy);
            return copy;
        });
    }
}
