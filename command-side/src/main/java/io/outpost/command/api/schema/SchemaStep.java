package io.outpost.command.api.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One declared change between a schema version and the next ({@code sync.collections.<name>.schema-versions.<n>.upgrade}).
 * Each step turns a whole record ({@link #upgrade}) or a merge patch ({@link #upgradePatch}) of version n into version
 * n+1, and turns a record of version n+1 back into version n ({@link #downgrade}) for an app that still reads n. Steps
 * work on top-level fields, never mutate their argument, and leave a value without the fields they name as it is.
 */
public sealed interface SchemaStep {

    /** A whole record of the older version as the newer version holds it. */
    ObjectNode upgrade(ObjectNode data);

    /** A merge patch (or increment deltas) of the older version as the newer version reads it. */
    ObjectNode upgradePatch(ObjectNode patch);

    /** A whole record of the newer version in the shape of the older one. */
    ObjectNode downgrade(ObjectNode data);

    /** A field was renamed; its value is kept. Downgrade renames it back. */
    record Rename(String from, String to) implements SchemaStep {
        public Rename {
            requireField(from, "rename.from");
            requireField(to, "rename.to");
            if (from.equals(to)) throw new IllegalArgumentException("rename.from and rename.to are both '" + from + "'");
        }

        @Override
        public ObjectNode upgrade(ObjectNode data) {
            return move(data, from, to);
        }

        @Override
        public ObjectNode upgradePatch(ObjectNode patch) {
            return move(patch, from, to);
        }

        @Override
        public ObjectNode downgrade(ObjectNode data) {
            return move(data, to, from);
        }

        private static ObjectNode move(ObjectNode data, String from, String to) {
            if (data == null || !data.has(from)) return data;
            ObjectNode copy = data.deepCopy();
            copy.set(to, copy.remove(from));
            return copy;
        }
    }

    /**
     * A text field was split into several at the first {@code into.size() - 1} occurrences of {@code separator}
     * ({@code "Ada Lovelace King"} into {@code [firstName, lastName]} by {@code " "}: {@code "Ada"},
     * {@code "Lovelace King"}); parts the text does not have become {@code ""}. Downgrade joins the non-empty parts
     * with the separator. A value that is not text cannot be split: {@link StepFailedException}.
     */
    record Split(String field, List<String> into, String separator) implements SchemaStep {
        public Split {
            requireField(field, "split.field");
            if (into == null || into.size() < 2) {
                throw new IllegalArgumentException("split.into must name at least two fields");
            }
            into = List.copyOf(into);
            into.forEach(f -> requireField(f, "split.into"));
            if (separator == null || separator.isEmpty()) separator = " ";
        }

        @Override
        public ObjectNode upgrade(ObjectNode data) {
            if (data == null || !data.has(field)) return data;
            ObjectNode copy = data.deepCopy();
            JsonNode value = copy.remove(field);
            if (value.isNull()) return copy;
            String[] parts = parts(value);
            for (int i = 0; i < into.size(); i++) copy.put(into.get(i), parts[i]);
            return copy;
        }

        @Override
        public ObjectNode upgradePatch(ObjectNode patch) {
            if (patch == null || !patch.has(field)) return patch;
            ObjectNode copy = patch.deepCopy();
            JsonNode value = copy.remove(field);
            if (value.isNull()) {
                into.forEach(copy::putNull); // the field was removed: so are its parts
                return copy;
            }
            String[] parts = parts(value);
            for (int i = 0; i < into.size(); i++) copy.put(into.get(i), parts[i]);
            return copy;
        }

        @Override
        public ObjectNode downgrade(ObjectNode data) {
            if (data == null || into.stream().noneMatch(data::has)) return data;
            ObjectNode copy = data.deepCopy();
            List<String> parts = new ArrayList<>();
            for (String part : into) {
                JsonNode value = copy.remove(part);
                if (value != null && !value.isNull() && !value.asText().isEmpty()) parts.add(value.asText());
            }
            copy.put(field, String.join(separator, parts));
            return copy;
        }

        private String[] parts(JsonNode value) {
            if (!value.isTextual()) {
                throw new StepFailedException(field, "must be text to be split into " + into);
            }
            String[] found = value.textValue().split(Pattern.quote(separator), into.size());
            String[] parts = new String[into.size()];
            for (int i = 0; i < parts.length; i++) parts[i] = i < found.length ? found[i] : "";
            return parts;
        }
    }

    /**
     * A field the newer version requires: a record without it (or with null) gets {@code value}. Patches are left as
     * they are (a patch that leaves the field out leaves it unchanged). Downgrade removes the field, which the older
     * app does not know.
     */
    record Default(String field, JsonNode value) implements SchemaStep {
        public Default {
            requireField(field, "default.field");
            Objects.requireNonNull(value, "default.value");
        }

        @Override
        public ObjectNode upgrade(ObjectNode data) {
            if (data == null || data.hasNonNull(field)) return data;
            ObjectNode copy = data.deepCopy();
            copy.set(field, value.deepCopy());
            return copy;
        }

        @Override
        public ObjectNode upgradePatch(ObjectNode patch) {
            return patch;
        }

        @Override
        public ObjectNode downgrade(ObjectNode data) {
            if (data == null || !data.has(field)) return data;
            ObjectNode copy = data.deepCopy();
            copy.remove(field);
            return copy;
        }
    }

    private static void requireField(String name, String what) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException(what + " must name a field");
    }

    /** Data a step cannot transform (a split of a value that is not text): the op is {@code validation_failed}. */
    final class StepFailedException extends RuntimeException {
        private final String field;

        public StepFailedException(String field, String message) {
            super(field + " " + message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }

        public String reason() {
            return getMessage().substring(field.length() + 1);
        }
    }
}
