package io.outpost.command.api.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaStepTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private final SchemaStep.Rename rename = new SchemaStep.Rename("name", "fullName");
    private final SchemaStep.Split split = new SchemaStep.Split("fullName", List.of("firstName", "lastName"), " ");
    private final SchemaStep.Default species = new SchemaStep.Default("species", TextNode.valueOf("unknown"));

    @Test
    void renameMovesTheValueAndBack() {
        ObjectNode old = json("{'name':'Rex','age':3}");
        ObjectNode upgraded = rename.upgrade(old);
        assertEquals(json("{'age':3,'fullName':'Rex'}"), upgraded);
        assertEquals(old, rename.downgrade(upgraded));
        assertEquals(json("{'name':'Rex','age':3}"), old, "the argument is not changed");
    }

    @Test
    void renameOfAPatchKeepsARemoval() {
        assertEquals(json("{'fullName':null}"), rename.upgradePatch(json("{'name':null}")));
    }

    @Test
    void dataWithoutTheFieldIsLeftAsItIs() {
        ObjectNode data = json("{'age':3}");
        assertSame(data, rename.upgrade(data));
        assertSame(data, split.upgrade(data));
        assertSame(data, split.downgrade(data));
        assertSame(data, species.downgrade(data));
    }

    @Test
    void splitCutsAtTheFirstSeparatorsAndJoinsBack() {
        ObjectNode upgraded = split.upgrade(json("{'fullName':'Ada Lovelace King'}"));
        assertEquals(json("{'firstName':'Ada','lastName':'Lovelace King'}"), upgraded);
        assertEquals(json("{'fullName':'Ada Lovelace King'}"), split.downgrade(upgraded));
    }

    @Test
    void splitGivesMissingPartsAnEmptyTextAndJoinsOnlyWhatIsThere() {
        ObjectNode upgraded = split.upgrade(json("{'fullName':'Madonna'}"));
        assertEquals(json("{'firstName':'Madonna','lastName':''}"), upgraded);
        assertEquals(json("{'fullName':'Madonna'}"), split.downgrade(upgraded));
    }

    @Test
    void splitOfAPatchRemovalRemovesEveryPart() {
        assertEquals(json("{'firstName':null,'lastName':null}"), split.upgradePatch(json("{'fullName':null}")));
        assertEquals(json("{'firstName':'A','lastName':'B'}"), split.upgradePatch(json("{'fullName':'A B'}")));
    }

    @Test
    void splitOfSomethingOtherThanTextFailsNamingTheField() {
        SchemaStep.StepFailedException e = assertThrows(SchemaStep.StepFailedException.class,
                () -> split.upgrade(json("{'fullName':42}")));
        assertEquals("fullName", e.field());
        assertEquals("must be text to be split into [firstName, lastName]", e.reason());
    }

    @Test
    void splitByAnotherSeparator() {
        SchemaStep.Split byComma = new SchemaStep.Split("place", List.of("city", "country"), ", ");
        assertEquals(json("{'city':'Lyon','country':'France'}"), byComma.upgrade(json("{'place':'Lyon, France'}")));
    }

    @Test
    void defaultFillsAMissingOrNullFieldOnlyInWholeRecords() {
        assertEquals(json("{'name':'Rex','species':'unknown'}"), species.upgrade(json("{'name':'Rex'}")));
        assertEquals(json("{'species':'unknown'}"), species.upgrade(json("{'species':null}")));
        assertEquals(json("{'species':'cat'}"), species.upgrade(json("{'species':'cat'}")));
        assertEquals(json("{'name':'Rex'}"), species.upgradePatch(json("{'name':'Rex'}")));
        assertEquals(json("{'name':'Rex'}"), species.downgrade(json("{'name':'Rex','species':'cat'}")));
    }

    @Test
    void stepsRefuseToBeDeclaredWithoutTheirFields() {
        assertThrows(IllegalArgumentException.class, () -> new SchemaStep.Rename("a", "a"));
        assertThrows(IllegalArgumentException.class, () -> new SchemaStep.Rename(null, "a"));
        assertThrows(IllegalArgumentException.class, () -> new SchemaStep.Split("a", List.of("b"), " "));
        assertThrows(NullPointerException.class, () -> new SchemaStep.Default("a", null));
    }
}
