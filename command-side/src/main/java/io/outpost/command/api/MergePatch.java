package io.outpost.command.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/** JSON Merge Patch (RFC 7396) on Jackson trees. Never mutates its arguments. */
public final class MergePatch {

    private MergePatch() {
    }

    /** The result of applying {@code patch} to {@code target}: null removes a field, objects merge recursively. */
    public static ObjectNode apply(ObjectNode target, ObjectNode patch) {
        ObjectNode result = target == null ? JsonNodeFactory.instance.objectNode() : target.deepCopy();
        if (patch == null) return result;
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode value = e.getValue();
            if (value.isNull()) {
                result.remove(e.getKey());
            } else if (value.isObject()) {
                JsonNode existing = result.get(e.getKey());
                result.set(e.getKey(), apply(existing instanceof ObjectNode o ? o : null, (ObjectNode) value));
            } else {
                result.set(e.getKey(), value.deepCopy());
            }
        }
        return result;
    }

    /** The top-level merge patch that turns {@code from} into {@code to}: changed fields set, removed ones null. */
    public static ObjectNode diff(ObjectNode from, ObjectNode to) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        if (from != null) {
            from.fieldNames().forEachRemaining(name -> {
                if (!to.has(name)) patch.putNull(name);
            });
        }
        to.fields().forEachRemaining(e -> {
            JsonNode before = from == null ? null : from.get(e.getKey());
            if (!e.getValue().equals(before)) patch.set(e.getKey(), e.getValue().deepCopy());
        });
        return patch;
    }
}
