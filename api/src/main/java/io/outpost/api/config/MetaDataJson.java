package io.outpost.api.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * An event's metadata as the event store keeps it ({@code meta_data}: JSON, UTF-8), written entry by entry with the
 * event serializer's own JSON factory when every value is text, a whole number or a boolean — an operation's metadata
 * always is (tenant, user, device, opId, client timestamp as text, the chain's hash). The bytes are those Jackson's map
 * serializer writes (the map's own order, the same escaping; {@code MetaDataJsonTest} compares them with the server's
 * event serializer); without its per-entry serializer lookups. Any other metadata is left to the serializer.
 */
final class MetaDataJson {

    private MetaDataJson() {
    }

    /** The JSON of {@code meta}, or null when a value is not text, a {@code Long}, an {@code Integer} or a boolean. */
    static byte[] of(Map<String, ?> meta, JsonFactory json) {
        for (Object value : meta.values()) {
            if (!(value instanceof String || value instanceof Long || value instanceof Integer
                    || value instanceof Boolean)) {
                return null;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 48 * meta.size());
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, ?> entry : meta.entrySet()) {
                g.writeFieldName(entry.getKey());
                Object value = entry.getValue();
                if (value instanceof String text) g.writeString(text);
                else if (value instanceof Long number) g.writeNumber(number);
                else if (value instanceof Integer number) g.writeNumber(number);
                else g.writeBoolean((Boolean) value);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write an event's metadata", e);
        }
        return out.toByteArray();
    }
}
