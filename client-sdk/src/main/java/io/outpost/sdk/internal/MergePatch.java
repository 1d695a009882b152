package io.outpost.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/** JSON Merge Patch (RFC 7396) as the server applies it, and the composition of two patches. */
public final class MergePatch {

    private MergePatch() {
    }

    /** {@code target} with {@code patch} applied; neither argument is changed. */
    public static ObjectNode apply(ObjectNode target, ObjectNode patch) {
        ObjectNode result = target == null ? JsonNodeFactory.instance.objectNode() : target.deepCopy();
        applyInPlace(result, patch);
        return result;
    }

    private static void applyInPlace(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (value.isObject()) {
                JsonNode existing = target.get(e.getKey());
                ObjectNode child = existing != null && existing.isObject()
                        ? (ObjectNode) existing : JsonNodeFactory.instance.objectNode();
                applyInPlace(child, (ObjectNode) value);
                target.set(e.getKey(), child);
            } else {
                target.set(e.getKey(), value.deepCopy());
            }
        }
    }

    /**
     * One patch with the effect of {@code first} then {@code second} on any target, or {@code null} when there is
     * none (a field that {@code first} sets to a non-object and {@code second} patches as an object).
     */
    public static ObjectNode compose(ObjectNode first, ObjectNode second) {
        ObjectNode result = first.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = second.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode earlier = result.get(e.getKey());
            JsonNode later = e.getValue();
            if (later.isObject() && earlier != null) {
                if (!earlier.isObject()) {
                    return null;
                }
                ObjectNode nested = compose((ObjectNode) earlier, (ObjectNode) later);
                if (nested == null) {
                    return null;
                }
                result.set(e.getKey(), nested);
            } else {
                result.set(e.getKey(), later.deepCopy());
            }
        }
        return result;
    }
}
