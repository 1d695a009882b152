package io.outpost.command.api.schema;

import static io.outpost.command.api.schema.SchemaStepTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.command.api.FieldError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaVersionsTest {

    /** pets: v1 {name}, v2 {fullName, species}, v3 {firstName, lastName, species}; v1 no longer accepted. */
    static SchemaVersions pets() {
        return new SchemaVersions(3, 2, Map.of(
                1, new SchemaVersions.Version(null, List.of(new SchemaStep.Rename("name", "fullName"),
                        new SchemaStep.Default("species", TextNode.valueOf("unknown")))),
                2, new SchemaVersions.Version(data -> data.has("fullName") ? List.of()
                        : List.of(new FieldError("fullName", "is required")),
                        List.of(new SchemaStep.Split("fullName", List.of("firstName", "lastName"), " ")))));
    }

    @Test
    void aDeviceWithoutAVersionIsCurrent() {
        assertEquals(3, pets().orCurrent(null));
        assertEquals(2, pets().orCurrent(2));
    }

    @Test
    void admitsFromMinToCurrent() {
        SchemaVersions pets = pets();
        assertEquals(SchemaVersions.Admission.TOO_OLD, pets.admit(1));
        assertEquals(SchemaVersions.Admission.ACCEPTED, pets.admit(2));
        assertEquals(SchemaVersions.Admission.ACCEPTED, pets.admit(3));
        assertEquals(SchemaVersions.Admission.UNKNOWN, pets.admit(4));
        assertEquals(SchemaVersions.Admission.UNKNOWN, pets.admit(0));
    }

    @Test
    void upgradesThroughEveryVersionInOrder() {
        assertEquals(json("{'firstName':'Rex','lastName':'Junior','species':'unknown'}"),
                pets().upgrade(1, json("{'name':'Rex Junior'}")));
        assertEquals(json("{'firstName':'Rex','lastName':'','species':'dog'}"),
                pets().upgrade(2, json("{'fullName':'Rex','species':'dog'}")));
    }

    @Test
    void patchesUpgradeWithoutDefaults() {
        assertEquals(json("{'firstName':'Rex','lastName':'II'}"), pets().upgradePatch(1, json("{'name':'Rex II'}")));
    }

    @Test
    void downgradesBackwardsToTheVersionAsked() {
        SchemaVersions pets = pets();
        assertEquals(json("{'fullName':'Rex Junior','species':'dog'}"),
                pets.convert(3, 2, json("{'firstName':'Rex','lastName':'Junior','species':'dog'}")));
        assertEquals(json("{'name':'Rex Junior'}"),
                pets.convert(3, 1, json("{'firstName':'Rex','lastName':'Junior','species':'dog'}")));
        assertEquals(json("{'a':1}"), pets.convert(3, 3, json("{'a':1}")));
    }

    @Test
    void anOldVersionsSchemaIsItsOwn() {
        assertTrue(pets().schemaOf(2).isPresent());
        assertTrue(pets().schemaOf(1).isEmpty());
        assertTrue(pets().schemaOf(3).isEmpty(), "the current version's schema is the collection's");
    }

    @Test
    void everyOlderVersionKeepsItsSteps() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SchemaVersions(3, 3, Map.of(2, new SchemaVersions.Version(null, null))));
        assertTrue(e.getMessage().startsWith("schema-versions.1 is missing"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SchemaVersions(2, 3, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new SchemaVersions(1, 1,
                Map.of(1, new SchemaVersions.Version(null, null))));
    }
}
