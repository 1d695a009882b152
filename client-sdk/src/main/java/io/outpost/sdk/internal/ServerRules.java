package io.outpost.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import io.outpost.sdk.InvalidWriteException;
import io.outpost.sdk.OpType;
import io.outpost.sdk.OperationError;
import io.outpost.sdk.OperationError.FieldError;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's rules for the collections as {@code GET /collections} (PROTOCOL.md v1.2, "Schemas for clients")
 * last told this store: each collection's JSON Schema, counters, derived fields, append-only and whether this user
 * may write it. A local write is checked against them before it is written or queued ({@link #check}), with the
 * server's semantics: the same validator (networknt, draft 2020-12 unless the schema's {@code $schema} says
 * otherwise, default settings) on the resulting record, and the same field paths. A collection the server has not
 * described is not checked.
 */
public final class ServerRules implements LocalStore.WriteCheck {

    private static final System.Logger LOG = System.getLogger("io.outpost.sdk.rules");
    /** The meta key of the last {@code GET /collections} answer in the store. */
    public static final String META_KEY = "server_collections";
    /** The server's limit of one record's data as JSON (PROTOCOL.md: {@code record_too_large}). */
    static final int MAX_RECORD_BYTES = 256 * 1024;

    /** One collection as the server described it; {@code schema} null when it has none. */
    record Rules(String name, JsonSchema schema, Set<String> counters, Set<String> derived, boolean appendOnly,
                 boolean canWrite) {
    }

    private volatile Map<String, Rules> byName = Map.of();
    /**
     * Collections the app declared a schema version for: {@code GET /collections} describes the current version
     * only, and the app may write an older one (upgraded by the server), so the shape (schema, counter names) is left
     * to the server, which checks an old version's create against that version's own schema.
     */
    private volatile Set<String> versioned = Set.of();

    /** The collections whose writes' shape is not checked here (the app declared a schema version for them). */
    public void versioned(Set<String> collections) {
        this.versioned = Set.copyOf(collections);
    }

    /** Takes the rules of a {@code GET /collections} answer; a schema that does not compile leaves its collection unchecked. */
    public void load(JsonNode answer) {
        Map<String, Rules> next = new HashMap<>();
        answer.path("collections").fields().forEachRemaining(e -> {
            JsonNode c = e.getValue();
            JsonSchema schema = null;
            if (c.get("schema") instanceof ObjectNode document) {
                try {
                    schema = compile(document);
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "the schema of collection " + e.getKey()
                            + " does not compile here; its writes are left to the server", ex);
                }
            }
            next.put(e.getKey(), new Rules(e.getKey(), schema, strings(c.path("counters")),
                    strings(c.path("derived")), c.path("appendOnly").asBoolean(false),
                    c.path("canWrite").asBoolean(true)));
        });
        byName = Map.copyOf(next);
    }

    /** The server's way ({@code JsonSchemaRecordSchema}): its dialect from {@code $schema}, else draft 2020-12. */
    private static JsonSchema compile(ObjectNode document) {
        SpecVersion.VersionFlag version = SpecVersionDetector.detectOptionalVersion(document, false)
                .orElse(SpecVersion.VersionFlag.V202012);
        return JsonSchemaFactory.getInstance(version).getSchema(document);
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return Set.copyOf(out);
    }

    /** Whether the server described {@code collection} (so its writes are checked here). */
    public boolean knows(String collection) {
        return byName.containsKey(collection);
    }

    /** Whether the server gave {@code collection} a schema. */
    public boolean hasSchema(String collection) {
        Rules rules = byName.get(collection);
        return rules != null && rules.schema() != null;
    }

    @Override
    public void check(OpType type, String collection, String id, ObjectNode result, ObjectNode opData) {
        Rules rules = byName.get(collection);
        if (rules == null) {
            return;
        }
        if (!rules.canWrite()) {
            throw refused(collection, id, "forbidden", "this user's roles may not write collection " + collection,
                    List.of());
        }
        if (rules.appendOnly() && type != OpType.CREATE) {
            throw refused(collection, id, "forbidden", "collection " + collection + " is append-only: creates only",
                    List.of());
        }
        boolean shapeChecked = !versioned.contains(collection);
        if (type == OpType.INCREMENT && shapeChecked) {
            List<FieldError> notCounters = new ArrayList<>();
            opData.fieldNames().forEachRemaining(f -> {
                if (!rules.counters().contains(f)) {
                    notCounters.add(new FieldError(f, "is not a counter of collection " + collection + " (counters: "
                            + new TreeSet<>(rules.counters()) + ")"));
                }
            });
            if (!notCounters.isEmpty()) {
                throw refused(collection, id, "invalid_operation", "increment of " + id + " refused: "
                        + notCounters.get(0).field() + " " + notCounters.get(0).message(), notCounters);
            }
        }
        if (result == null) {
            return; // a delete
        }
        int bytes = result.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_RECORD_BYTES) {
            throw refused(collection, id, "record_too_large",
                    "record data is " + bytes + " bytes; the limit is " + MAX_RECORD_BYTES, List.of());
        }
        if (rules.schema() == null || !shapeChecked) {
            return;
        }
        List<FieldError> errors;
        try {
            errors = validate(rules, result);
        } catch (RuntimeException e) {
            // e.g. a $ref this device cannot resolve: the server decides
            LOG.log(Level.WARNING, "the schema of collection " + collection + " could not be applied here", e);
            return;
        }
        if (!errors.isEmpty()) {
            throw refused(collection, id, "validation_failed",
                    "data does not match the schema of collection " + collection, errors);
        }
    }

    /**
     * The schema's errors as the server reports them, sorted by field and message, less those of derived fields:
     * the server sets those itself (a value sent for one is replaced), so a missing or other value here is no error.
     */
    static List<FieldError> validate(Rules rules, ObjectNode data) {
        return rules.schema().validate(data).stream()
                .map(m -> new FieldError(field(m), m.getMessage()))
                .filter(f -> !derived(rules.derived(), f.field()))
                .sorted(Comparator.comparing(FieldError::field).thenComparing(FieldError::message))
                .toList();
    }

    private static boolean derived(Set<String> derived, String field) {
        for (String d : derived) {
            if (field.equals(d) || field.startsWith(d + ".") || field.startsWith(d + "[")) return true;
        }
        return false;
    }

    /** The server's field path: the instance path without the leading {@code $.}; for a missing required property, that property. */
    private static String field(ValidationMessage m) {
        String path = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
        if ("required".equals(m.getType()) && m.getProperty() != null) {
            path = "$".equals(path) ? m.getProperty() : path + "." + m.getProperty();
        }
        if (path.startsWith("$.")) return path.substring(2);
        if (path.startsWith("$")) return path.substring(1);
        return path;
    }

    private static InvalidWriteException refused(String collection, String id, String code, String message,
                                                 List<FieldError> fields) {
        return new InvalidWriteException(collection, id, new OperationError(code, message, fields));
    }
}
