package io.outpost.command.api.schema;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.RecordSchema;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The schema versions of one collection: {@code current} is the shape the server stores and validates, {@code min} the
 * oldest shape a device may still write and read, and {@code versions.get(n).upgrade()} the steps that turn version n
 * into n+1. Every version below {@code current} keeps its steps, even below {@code min}: records stored in that shape
 * are upgraded by them when read. A device that names no version writes and reads the current one. Pure and
 * thread-safe.
 *
 * <p>Data of version n reaches version m &gt; n through the steps of n, n+1, ..., m-1 in order, and version m &lt; n
 * through the same steps undone backwards ({@link SchemaStep#downgrade}).
 */
public record SchemaVersions(int current, int min, Map<Integer, Version> versions) {

    /** A collection that never changed shape: version 1 only. */
    public static final SchemaVersions SINGLE = new SchemaVersions(1, 1, Map.of());

    /**
     * One older version: the schema its apps' data follows (optional; creates of this version are checked against it,
     * so errors name the fields the app knows) and the steps to the next version.
     */
    public record Version(RecordSchema schema, List<SchemaStep> upgrade) {
        public Version {
            schema = schema == null ? RecordSchema.NONE : schema;
            upgrade = upgrade == null ? List.of() : List.copyOf(upgrade);
        }
    }

    /** What a device that declares {@code version} is told. */
    public enum Admission {
        /** Served: its data is upgraded on arrival, and pulls come in its shape. */
        ACCEPTED,
        /** Older than {@code min}: the app must be updated. */
        TOO_OLD,
        /** Newer than the server knows (an app released before the server's configuration), or below 1. */
        UNKNOWN
    }

    public SchemaVersions {
        if (current < 1) throw new IllegalArgumentException("schema-version must be at least 1, not " + current);
        if (min < 1 || min > current) {
            throw new IllegalArgumentException("min-schema-version must be from 1 to schema-version (" + current
                    + "), not " + min);
        }
        versions = versions == null ? Map.of() : Map.copyOf(new TreeMap<>(versions));
        for (Integer v : versions.keySet()) {
            if (v < 1 || v >= current) {
                throw new IllegalArgumentException("schema-versions." + v + ": only versions 1 to " + (current - 1)
                        + " (older than schema-version " + current + ") are declared here");
            }
        }
        for (int v = 1; v < current; v++) {
            if (!versions.containsKey(v)) {
                throw new IllegalArgumentException("schema-versions." + v + " is missing: records stored in version "
                        + v + " are upgraded by its steps when read, so its upgrade to " + (v + 1)
                        + " must stay declared (an empty list when the shape did not change)");
            }
        }
    }

    /** The version a device writes or reads: the one it declares, else the current one. */
    public int orCurrent(Integer declared) {
        return declared == null ? current : declared;
    }

    public Admission admit(int version) {
        if (version < 1 || version > current) return Admission.UNKNOWN;
        return version < min ? Admission.TOO_OLD : Admission.ACCEPTED;
    }

    /** The schema data of {@code version} follows; the current version's is the collection's own. */
    public Optional<RecordSchema> schemaOf(int version) {
        Version v = versions.get(version);
        return v == null || v.schema() == RecordSchema.NONE ? Optional.empty() : Optional.of(v.schema());
    }

    /** A whole record of version {@code from} in the current shape. */
    public ObjectNode upgrade(int from, ObjectNode data) {
        return convert(from, current, data);
    }

    /** A merge patch (or increment deltas) of version {@code from} in the current shape. */
    public ObjectNode upgradePatch(int from, ObjectNode patch) {
        ObjectNode result = patch;
        for (int v = from; v < current; v++) {
            for (SchemaStep step : steps(v)) result = step.upgradePatch(result);
        }
        return result;
    }

    /** A whole record of version {@code from} in the shape of version {@code to}, older or newer. */
    public ObjectNode convert(int from, int to, ObjectNode data) {
        ObjectNode result = data;
        for (int v = from; v < to; v++) {
            for (SchemaStep step : steps(v)) result = step.upgrade(result);
        }
        for (int v = from - 1; v >= to; v--) {
            List<SchemaStep> steps = steps(v);
            for (int i = steps.size() - 1; i >= 0; i--) result = steps.get(i).downgrade(result);
        }
        return result;
    }

    private List<SchemaStep> steps(int version) {
        Version v = versions.get(version);
        return v == null ? List.of() : v.upgrade();
    }
}
