package io.outpost.api.pull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.schema.SchemaVersions;
import io.outpost.query.pull.ChangeRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code schemaVersions} parameter of a pull (docs/schema-versions.md): {@code pets:2,visits:1} names the collection
 * schema version the app reads for each collection; collections it leaves out are read in their current version. Each
 * record comes in that shape, converted from the version it is stored in (upgraded, or downgraded by the declared
 * steps undone). A version older than the collection's {@code min-schema-version} is 400 {@code upgrade_required},
 * one it does not know 400 {@code schema_version_unsupported}, a malformed parameter 400 {@code invalid_request}.
 */
final class PullSchemaVersions {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CollectionCatalog catalog;
    private final Map<String, Integer> asked;

    private PullSchemaVersions(CollectionCatalog catalog, Map<String, Integer> asked) {
        this.catalog = catalog;
        this.asked = asked;
    }

    static PullSchemaVersions parse(CollectionCatalog catalog, String parameter) {
        Map<String, Integer> asked = new TreeMap<>();
        if (parameter == null || parameter.isBlank()) return new PullSchemaVersions(catalog, asked);
        for (String entry : parameter.split(",")) {
            String[] pair = entry.trim().split(":", -1);
            Integer version = pair.length == 2 ? integer(pair[1].trim()) : null;
            String name = pair[0].trim();
            if (version == null || !RecordKey.isValidCollection(name) || asked.containsKey(name)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "schemaVersions must be collection:version pairs, "
                        + "e.g. pets:2,visits:1, each collection once; '" + entry.trim() + "' is not one",
                        List.of(new FieldError("schemaVersions", "'" + entry.trim() + "' is not collection:version")));
            }
            catalog.find(name).ifPresent(rules -> refuseUnless(rules, version));
            asked.put(name, version);
        }
        return new PullSchemaVersions(catalog, asked);
    }

    private static void refuseUnless(CollectionRules rules, int version) {
        SchemaVersions versions = rules.schemaVersions();
        switch (versions.admit(version)) {
            case ACCEPTED -> {
            }
            case TOO_OLD -> {
                String message = "collection " + rules.name() + " is no longer served in schema version " + version
                        + " (oldest served " + versions.min() + ", current " + versions.current() + "): update the app";
                throw new ApiException(ErrorCode.UPGRADE_REQUIRED, message,
                        List.of(new FieldError("schemaVersions", message)));
            }
            case UNKNOWN -> {
                String message = "collection " + rules.name() + " has schema versions 1 to " + versions.current()
                        + ", not " + version;
                throw new ApiException(ErrorCode.SCHEMA_VERSION_UNSUPPORTED, message,
                        List.of(new FieldError("schemaVersions", message)));
            }
        }
    }

    private static Integer integer(String text) {
        try {
            int value = Integer.parseInt(text);
            return value >= 1 ? value : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The row's data as JSON text in the shape the app reads; the stored text itself when no conversion is needed. */
    String data(ChangeRow row) {
        if (row.json() == null) return null;
        SchemaVersions versions = catalog.find(row.collection()).map(CollectionRules::schemaVersions)
                .orElse(SchemaVersions.SINGLE);
        int target = asked.getOrDefault(row.collection(), versions.current());
        if (target == row.schemaVersion()) return row.json();
        try {
            ObjectNode stored = (ObjectNode) JSON.readTree(row.json());
            return versions.convert(row.schemaVersion(), target, stored).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("record " + row.collection() + "/" + row.id() + ": unreadable data", e);
        }
    }
}
