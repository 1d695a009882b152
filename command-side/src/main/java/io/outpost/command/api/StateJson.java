package io.outpost.command.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;

/**
 * The compact JSON of a record's state, written once per change. Five places need it within a push: the record
 * aggregate measures a new state against the size limit and keeps it as bytes (its cached form), hashes it into the
 * event's {@link EventChain} link and the event store's serializer puts it in the event's payload (both through
 * {@link #module}), and the change feed stores it as the record's row; each used to serialise the tree itself. The
 * aggregate writes it with {@link #write}, which leaves it in the push's unit of work, found again by the state's
 * identity; a state this unit of work did not write (a replay reads events back from the store, a test calls a
 * handler directly) is written afresh by {@link #of}. States are not changed after they are written: they become events.
 */
public final class StateJson {

    private static final String RESOURCE = StateJson.class.getName();

    /**
     * The text and its UTF-8 bytes. {@code unicode}: no unpaired surrogate in it. JSON lets a string escape one
     * ({@code "\\ud800"} alone) and Jackson reads it into a Java string, but it is no Unicode text: UTF-8 cannot encode
     * it ({@code utf8} then holds a {@code ?} in its place) and a copy of the text into a JSON document fails; the
     * record aggregate rejects such a state. {@code copyable}: no surrogate at all, so a copy of the text is byte for
     * byte what Jackson's UTF-8 generator writes from the tree (it escapes a character beyond the Basic Multilingual
     * Plane, such as an emoji, as a {@code \\uD83D\\uDC8A} pair where the text holds it as a character; the event
     * chain's hash must not depend on which of the two wrote it). Only a copyable text is remembered.
     */
    public record Text(String json, byte[] utf8, boolean unicode, boolean copyable) {
    }

    private StateJson() {
    }

    /** Writes {@code state} and remembers it (if it is copyable) for the rest of the current unit of work. */
    public static Text write(JsonNode state) {
        Text text = text(state);
        if (text.copyable() && CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().root().<Map<JsonNode, Text>>getOrComputeResource(RESOURCE,
                    k -> new IdentityHashMap<>()).put(state, text);
        }
        return text;
    }

    /** The text {@link #write} made of this very state in the current unit of work, or a new one. */
    public static Text of(JsonNode state) {
        Text text = remembered(state);
        return text != null ? text : text(state);
    }

    private static Text text(JsonNode state) {
        String json = state.toString();
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        int first = UnicodeText.firstSurrogate(json);
        return new Text(json, utf8, first < 0 || !UnicodeText.hasUnpairedSurrogate(json, first), first < 0);
    }

    /** The text {@link #write} made of this very state in the current unit of work, or null. */
    public static Text remembered(JsonNode state) {
        if (!CurrentUnitOfWork.isStarted()) return null;
        Map<JsonNode, Text> written = CurrentUnitOfWork.get().root().getResource(RESOURCE);
        return written == null ? null : written.get(state);
    }

    /**
     * A Jackson module that writes an object node {@link #write} wrote in the current unit of work as that text, and
     * any other as Jackson would: the event store's serialiser then copies a created or updated record's state into
     * the event's payload instead of writing the tree once more (the same bytes: both are Jackson's compact form).
     */
    public static Module module() {
        return new SimpleModule("outpost-state-json").addSerializer(ObjectNode.class, new Remembered());
    }

    private static final class Remembered extends StdSerializer<ObjectNode> {

        Remembered() {
            super(ObjectNode.class);
        }

        @Override
        public void serialize(ObjectNode node, JsonGenerator gen, SerializerProvider provider) throws IOException {
            Text text = remembered(node);
            if (text != null) {
                gen.writeRawValue(text.json());
            } else {
                node.serialize(gen, provider);
            }
        }

        @Override
        public void serializeWithType(ObjectNode node, JsonGenerator gen, SerializerProvider provider,
                                      TypeSerializer types) throws IOException {
            node.serializeWithType(gen, provider, types);
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, ObjectNode node) {
            return node.isEmpty();
        }
    }
}
