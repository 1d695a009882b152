package io.outpost.api.collections;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.CollectionRules;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A record the loaded configuration accepts, for the start-up banner's "Try:" line: the first declared collection
 * (by name) whose ops need no other record (client ids, no references) with data built from its JSON Schema's
 * required properties and checked against that schema; else, when undeclared collections are allowed, a pet.
 */
public final class SampleRecord {

    /** {@code tempId} is set for a collection with server-assigned ids, {@code id} otherwise. */
    public record Sample(String collection, String id, String tempId, ObjectNode data) {
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private SampleRecord() {
    }

    public static Optional<Sample> pick(Collection<CollectionRules> declared, boolean undeclaredAllowed) {
        Optional<Sample> fromConfig = declared.stream()
                .filter(r -> r.references().isEmpty() && r.derive().isEmpty())
                .sorted(Comparator.comparing(CollectionRules::name))
                .map(SampleRecord::sampleOf)
                .flatMap(Optional::stream)
                .findFirst();
        if (fromConfig.isPresent() || !undeclaredAllowed
                || declared.stream().anyMatch(r -> r.name().equals("pets"))) {
            return fromConfig;
        }
        return Optional.of(new Sample("pets", "p-1", null, JSON.objectNode().put("name", "Rex")));
    }

    private static Optional<Sample> sampleOf(CollectionRules rules) {
        ObjectNode data = rules.schema().document().map(SampleRecord::objectFor)
                .orElseGet(() -> JSON.objectNode().put("title", "Hello from curl"));
        if (!rules.schema().validate(data).isEmpty()) return Optional.empty();
        boolean serverIds = rules.idMode() == CollectionRules.IdMode.SERVER;
        return Optional.of(new Sample(rules.name(), serverIds ? null : rules.name() + "-1",
                serverIds ? "tmp-1" : null, data));
    }

    /** An object with a value for each required property of an object schema. */
    private static ObjectNode objectFor(JsonNode schema) {
        ObjectNode data = JSON.objectNode();
        JsonNode properties = schema.path("properties");
        schema.path("required").forEach(name -> data.set(name.asText(), valueFor(properties.path(name.asText()))));
        return data;
    }

    private static JsonNode valueFor(JsonNode p) {
        if (p.has("const")) return p.get("const");
        if (p.path("enum").isArray() && !p.path("enum").isEmpty()) return p.path("enum").get(0);
        if (p.has("default")) return p.get("default");
        if (p.path("examples").isArray() && !p.path("examples").isEmpty()) return p.path("examples").get(0);
        JsonNode type = p.path("type");
        String t = type.isArray() && !type.isEmpty() ? type.get(0).asText() : type.asText("string");
        return switch (t) {
            case "integer", "number" -> {
                long n = p.has("minimum") ? (long) Math.ceil(p.get("minimum").asDouble())
                        : p.has("exclusiveMinimum") ? (long) Math.floor(p.get("exclusiveMinimum").asDouble()) + 1 : 1;
                yield JSON.numberNode(n);
            }
            case "boolean" -> JSON.booleanNode(true);
            case "array" -> JSON.arrayNode();
            case "object" -> objectFor(p);
            case "null" -> JSON.nullNode();
            default -> JSON.textNode(stringFor(p));
        };
    }

    private static String stringFor(JsonNode p) {
        String text = switch (p.path("format").asText("")) {
            case "date" -> LocalDate.now(ZoneOffset.UTC).toString();
            case "date-time" -> Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            case "email" -> "demo@example.com";
            case "uuid" -> "00000000-0000-4000-8000-000000000001";
            case "uri" -> "https://example.com/";
            default -> "example";
        };
        if (p.has("pattern")) {
            // a few common shapes (codes, digits, dates, phone numbers); the schema check decides in the end
            Pattern pattern;
            try {
                pattern = Pattern.compile(p.get("pattern").asText());
            } catch (PatternSyntaxException e) {
                return text;
            }
            for (String candidate : List.of(text, "ABC", "12345678", LocalDate.now(ZoneOffset.UTC).toString(),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), "+1 555 0100", "example-1", "x")) {
                if (pattern.matcher(candidate).find()) return candidate;
            }
            return text;
        }
        int min = p.path("minLength").asInt(0);
        StringBuilder padded = new StringBuilder(text);
        while (padded.length() < min) padded.append('x');
        int max = p.path("maxLength").asInt(Integer.MAX_VALUE);
        return padded.length() > max ? padded.substring(0, max) : padded.toString();
    }
}
