package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.schema.SchemaVersions;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything configured for one collection ({@code sync.collections.<name>} in PROTOCOL.md).
 *
 * @param references field name → collection its value names a record of
 * @param derive     derived field name → where its value comes from
 * @param counters    top-level fields that {@code increment} ops may change (PROTOCOL.md v1.2)
 * @param writeRoles  roles that may push ops to the collection; empty: any role that may push (v1.2)
 * @param resolveRoles roles that may resolve its parked conflicts; empty: an admin or the op's own user (v1.2)
 * @param appendOnly  creates only: updates, deletes and increments are {@code forbidden} (v1.2)
 * @param schemaVersions the shapes of the data devices may write and read, and how they convert (docs/schema-versions.md)
 */
public record CollectionRules(String name, ConflictStrategy strategy, ConflictStrategy onOverlap, IdMode idMode,
                              Visibility visibility, String ownerField, Map<String, String> references,
                              Map<String, Derivation> derive, RecordSchema schema, Set<String> counters,
                              Set<String> writeRoles, Set<String> resolveRoles, boolean appendOnly,
                              SchemaVersions schemaVersions) {

    /** Rules of a collection with one schema version. */
    public CollectionRules(String name, ConflictStrategy strategy, ConflictStrategy onOverlap, IdMode idMode,
                           Visibility visibility, String ownerField, Map<String, String> references,
                           Map<String, Derivation> derive, RecordSchema schema, Set<String> counters,
                           Set<String> writeRoles, Set<String> resolveRoles, boolean appendOnly) {
        this(name, strategy, onOverlap, idMode, visibility, ownerField, references, derive, schema, counters,
                writeRoles, resolveRoles, appendOnly, null);
    }


    /** Rules without counters or permissions. */
    public CollectionRules(String name, ConflictStrategy strategy, ConflictStrategy onOverlap, IdMode idMode,
                           Visibility visibility, String ownerField, Map<String, String> references,
                           Map<String, Derivation> derive, RecordSchema schema) {
        this(name, strategy, onOverlap, idMode, visibility, ownerField, references, derive, schema, null, null, null,
                false);
    }

    /** Records hold at most this many bytes of JSON data (PROTOCOL.md: over 256 KiB is {@code record_too_large}). */
    public static final int MAX_RECORD_BYTES = 256 * 1024;

    public enum IdMode { CLIENT, SERVER }

    public enum Visibility { TENANT, OWNER }

    /** {@code field} of the record that the reference field {@code from} points to. */
    public record Derivation(String from, String field) {
    }

    public CollectionRules {
        Objects.requireNonNull(name, "name");
        strategy = strategy == null ? ConflictStrategy.REJECT : strategy;
        onOverlap = onOverlap == null ? ConflictStrategy.REJECT : onOverlap;
        idMode = idMode == null ? IdMode.CLIENT : idMode;
        visibility = visibility == null ? Visibility.TENANT : visibility;
        references = references == null ? Map.of() : Map.copyOf(references);
        derive = derive == null ? Map.of() : Map.copyOf(derive);
        schema = schema == null ? RecordSchema.NONE : schema;
        counters = counters == null ? Set.of() : Set.copyOf(counters);
        writeRoles = writeRoles == null ? Set.of() : Set.copyOf(writeRoles);
        resolveRoles = resolveRoles == null ? Set.of() : Set.copyOf(resolveRoles);
        schemaVersions = schemaVersions == null ? SchemaVersions.SINGLE : schemaVersions;
    }

    /** The user the {@code owner-field} of this data names; null without an owner-field or a value in it. */
    public String ownerIn(ObjectNode data) {
        return ownerField == null || data == null ? null : RecordKey.idText(data.get(ownerField));
    }

    /** The defaults PROTOCOL.md gives an undeclared collection. */
    public static CollectionRules defaults(String name) {
        return new CollectionRules(name, null, null, null, null, null, null, null, null);
    }
}
