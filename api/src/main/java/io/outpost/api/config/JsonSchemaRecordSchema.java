package io.outpost.api.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordSchema;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** A collection's JSON Schema (draft 2020-12 unless the schema's {@code $schema} says otherwise), via networknt. */
final class JsonSchemaRecordSchema implements RecordSchema {

    private final JsonSchema schema;
    private final JsonNode document;

    JsonSchemaRecordSchema(JsonNode schemaNode) {
        this.document = schemaNode.deepCopy();
        SpecVersion.VersionFlag version = SpecVersionDetector.detectOptionalVersion(schemaNode, false)
                .orElse(SpecVersion.VersionFlag.V202012);
        this.schema = JsonSchemaFactory.getInstance(version).getSchema(schemaNode);
    }

    @Override
    public Optional<JsonNode> document() {
        return Optional.of(document.deepCopy());
    }

    @Override
    public List<FieldError> validate(ObjectNode data) {
        return schema.validate(data).stream()
                .map(m -> new FieldError(field(m), m.getMessage()))
                .sorted(Comparator.comparing(FieldError::field).thenComparing(FieldError::message))
                .toList();
    }

    /** The instance path without the leading {@code $.}; for a missing required property, that property. */
    private static String field(ValidationMessage m) {
        String path = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
        if ("required".equals(m.getType()) && m.getProperty() != null) {
            path = "$".equals(path) ? m.getProperty() : path + "." + m.getProperty();
        }
        if (path.startsWith("$.")) return path.substring(2);
        if (path.startsWith("$")) return path.substring(1);
        return path;
    }
}
