package io.outpost.sdk;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the client must know of a collection's server configuration: whether the server assigns ids
 * ({@code id-mode: server}: creates get a temporary id until then) and which fields reference other collections
 * (so a temporary id is rewritten in them once the real one is known).
 */
public record CollectionOptions(boolean serverAssignedIds, Map<String, String> references) {

    /** Temporary ids start with this. */
    public static final String TEMP_ID_PREFIX = "tmp-";
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    public CollectionOptions {
        references = Map.copyOf(Objects.requireNonNull(references, "references"));
        references.forEach((field, target) -> {
            if (!FIELD.matcher(field).matches() || !NAME.matcher(target).matches()) {
                throw new IllegalArgumentException("references: " + field + " -> " + target + " is not a field -> collection");
            }
        });
    }

    /** Client-chosen ids, no references: the server's defaults. */
    public static CollectionOptions defaults() {
        return new CollectionOptions(false, Map.of());
    }

    /** {@code id-mode: server}. */
    public static CollectionOptions serverIds() {
        return new CollectionOptions(true, Map.of());
    }

    /** These options plus a reference field. */
    public CollectionOptions reference(String field, String collection) {
        var next = new java.util.HashMap<>(references);
        next.put(field, collection);
        return new CollectionOptions(serverAssignedIds, next);
    }
}
