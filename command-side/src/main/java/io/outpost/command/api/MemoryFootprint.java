package io.outpost.command.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * What an object kept in a cache costs in heap, approximately: caches are bounded in bytes by it (a record with a
 * large document must count for more than one with three fields). An estimate of the live objects (headers, fields,
 * strings at one byte a character), not a measurement; it errs on the large side.
 */
public interface MemoryFootprint {

    /** Approximate heap bytes held by this object and what only it references. */
    long approximateBytes();

    /** Object header and reference overhead the estimates add per object. */
    long OBJECT = 16;

    /** A string: its object, its array and one byte a character (compact strings). */
    static long of(String text) {
        return text == null ? 0 : 2 * OBJECT + 8 + text.length();
    }

    /** A Jackson tree: a node per value, a map entry and a name per field, an array slot per element. */
    static long of(JsonNode node) {
        if (node == null) return 0;
        if (node.isTextual()) return OBJECT + of(node.textValue());
        if (node.isObject()) {
            long bytes = 2 * OBJECT + 48;
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                bytes += 40 + of(field.getKey()) + of(field.getValue());
            }
            return bytes;
        }
        if (node.isArray()) {
            long bytes = 2 * OBJECT + 24;
            for (JsonNode element : node) bytes += 8 + of(element);
            return bytes;
        }
        return OBJECT + 16;
    }
}
