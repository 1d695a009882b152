package io.outpost.api.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.command.api.RecordSchema;
import io.outpost.command.api.schema.SchemaStep;
import io.outpost.command.api.schema.SchemaVersions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads a collection's {@code schema-version}, {@code min-schema-version} and {@code schema-versions}
 * (docs/schema-versions.md) into {@link SchemaVersions}. A mistake stops the server at start with a message naming
 * the property.
 */
final class SchemaVersionsConfiguration {

    private SchemaVersionsConfiguration() {
    }

    static SchemaVersions of(String prefix, SyncProperties.CollectionProperties p,
                             Function<String, RecordSchema> schemas, ObjectMapper mapper) {
        if (p.schemaVersion() == null && p.minSchemaVersion() == null
                && (p.schemaVersions() == null || p.schemaVersions().isEmpty())) {
            return SchemaVersions.SINGLE;
        }
        int current = p.schemaVersion() == null ? 1 : p.schemaVersion();
        int min = p.minSchemaVersion() == null ? 1 : p.minSchemaVersion();
        Map<Integer, SchemaVersions.Version> versions = new LinkedHashMap<>();
        if (p.schemaVersions() != null) {
            p.schemaVersions().forEach((n, v) -> {
                String at = prefix + "schema-versions." + n;
                RecordSchema schema = v == null || v.schema() == null || v.schema().isBlank() ? null
                        : schemas.apply(v.schema());
                List<SchemaStep> steps = new ArrayList<>();
                List<SyncProperties.StepProperties> upgrade = v == null || v.upgrade() == null ? List.of() : v.upgrade();
                for (int i = 0; i < upgrade.size(); i++) steps.add(step(at + ".upgrade[" + i + "]", upgrade.get(i), mapper));
                versions.put(n, new SchemaVersions.Version(schema, steps));
            });
        }
        try {
            return new SchemaVersions(current, min, versions);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(prefix + e.getMessage(), e);
        }
    }

    private static SchemaStep step(String at, SyncProperties.StepProperties s, ObjectMapper mapper) {
        int kinds = (s == null ? 0 : (s.rename() != null ? 1 : 0) + (s.split() != null ? 1 : 0)
                + (s.defaultValue() != null ? 1 : 0));
        if (kinds != 1) {
            throw new IllegalStateException(at + " must have exactly one of rename, split, default");
        }
        try {
            if (s.rename() != null) return new SchemaStep.Rename(s.rename().from(), s.rename().to());
            if (s.split() != null) return new SchemaStep.Split(s.split().field(), s.split().into(), s.split().separator());
            if (s.defaultValue().value() == null) throw new IllegalArgumentException("default.value is required");
            return new SchemaStep.Default(s.defaultValue().field(), value(s.defaultValue().value(), mapper));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalStateException(at + ": " + e.getMessage(), e);
        }
    }

    /** A JSON literal (number, true, false, object, array, quoted string) as JSON; anything else as text. */
    static JsonNode value(String text, ObjectMapper mapper) {
        try {
            JsonNode parsed = mapper.readTree(text);
            if (parsed != null && !parsed.isMissingNode() && !parsed.isNull()) return parsed;
        } catch (IOException notJson) {
            // plain text
        }
        return TextNode.valueOf(text);
    }
}
