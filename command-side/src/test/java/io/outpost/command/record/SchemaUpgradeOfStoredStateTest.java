package io.outpost.command.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.outpost.command.api.ChangeStamp;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.DeleteRecordCommand;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationConflictedEvent;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.UpdateRecordCommand;
import io.outpost.command.api.schema.SchemaStep;
import io.outpost.command.api.schema.SchemaVersions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A record stored in an older schema version of its collection is brought into the current shape by the next
 * command: the change is made on the upgraded state, the event carries the current version, and its patch shows
 * what the upgrade changed as well.
 */
class SchemaUpgradeOfStoredStateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final RecordKey KEY = new RecordKey("clinic-a", "pets", "p-1");
    /** v1 {name}; v2 {fullName, species}. */
    private static final CollectionRules PETS = new CollectionRules("pets", null, null, null, null, null, null, null,
            null, null, null, null, false, new SchemaVersions(2, 1, Map.of(1, new SchemaVersions.Version(null,
            List.of(new SchemaStep.Rename("name", "fullName"),
                    new SchemaStep.Default("species", TextNode.valueOf("unknown")))))));
    private static final CollectionCatalog CATALOG = name -> Optional.of(PETS).filter(r -> r.name().equals(name));

    private FixtureConfiguration<RecordAggregate> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(RecordAggregate.class);
        fixture.registerInjectableResource(CATALOG);
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static OpContext op(long opId) {
        return new OpContext(opId, "dev-b", "user-2", null, T0.plusSeconds(60));
    }

    private static RecordCreatedEvent storedInVersion1() {
        return new RecordCreatedEvent(KEY, 1, json("{'name':'Rex','age':3}"), "user-1", new ChangeStamp(T0, "dev-a"));
    }

    @Test
    void anUpdateIsMadeOnTheUpgradedStateAndStoredInTheCurrentVersion() {
        fixture.given(storedInVersion1())
                .when(new UpdateRecordCommand(KEY, op(1), 1, json("{'age':4}"), null))
                .expectEvents(new RecordUpdatedEvent(KEY, 2, json("{'name':null,'age':4,'fullName':'Rex',"
                        + "'species':'unknown'}"), json("{'age':4,'fullName':'Rex','species':'unknown'}"),
                        List.of("name", "age", "fullName", "species"), null, ChangeStamp.of(op(1)), 2))
                .expectResultMessagePayload(OperationOutcome.applied(2));
    }

    @Test
    void aConflictAnswersWithTheServerStateInTheCurrentShape() {
        fixture.given(storedInVersion1(), new RecordUpdatedEvent(KEY, 2, json("{'age':4}"),
                        json("{'name':'Rex','age':4}"), List.of("age"), null, new ChangeStamp(T0, "dev-a")))
                .when(new DeleteRecordCommand(KEY, op(1), 1))
                .expectEvents(new OperationConflictedEvent(KEY, "delete", 1, 2, "reject", List.of("age"), null))
                .expectResultMessagePayload(OperationOutcome.conflict(2,
                        json("{'age':4,'fullName':'Rex','species':'unknown'}"), "reject", List.of("age"),
                        OperationOutcome.Reason.STALE));
    }

    @Test
    void aRecordAlreadyInTheCurrentVersionIsNotTouched() {
        fixture.given(new RecordCreatedEvent(KEY, 1, json("{'fullName':'Rex','species':'cat'}"), "user-1",
                        new ChangeStamp(T0, "dev-a"), 2))
                .when(new UpdateRecordCommand(KEY, op(1), 1, json("{'species':'dog'}"), null))
                .expectEvents(new RecordUpdatedEvent(KEY, 2, json("{'species':'dog'}"),
                        json("{'fullName':'Rex','species':'dog'}"), List.of("species"), null, ChangeStamp.of(op(1)),
                        2));
    }
}
