package io.outpost.command.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.ChangeStamp;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictIds;
import io.outpost.command.api.ConflictParkedEvent;
import io.outpost.command.api.ConflictResolution;
import io.outpost.command.api.ConflictResolvedEvent;
import io.outpost.command.api.ConflictStrategy;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordDeletedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.ResolutionRefusedException;
import io.outpost.command.api.ResolveConflictCommand;
import io.outpost.command.api.ResolveConflictCommand.Resolution;
import io.outpost.command.api.ResolvedConflict;
import io.outpost.command.api.UpdateRecordCommand;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Strategy {@code manual}: parking a conflicting op on the record and resolving it later. */
class ManualConflictTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant LATER = T0.plusSeconds(3600);
    private static final RecordKey KEY = new RecordKey("clinic-a", "doses", "d-1");
    private static final Map<String, CollectionRules> COLLECTIONS = Map.of("doses", new CollectionRules("doses",
            ConflictStrategy.MANUAL, null, null, null, null, null, null,
            data -> data.path("mg").isNumber() ? List.of() : List.of(new FieldError("mg", "must be a number"))));
    private static final CollectionCatalog CATALOG = name -> Optional.ofNullable(COLLECTIONS.get(name));
    private static final ChangeStamp CREATED = new ChangeStamp(T0, "dev-a");
    private static final OpContext NURSE_B = new OpContext(7, "dev-b", "nurse-b", null, T0.plusSeconds(60));
    private static final String CONFLICT = ConflictIds.of(KEY, NURSE_B);

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

    private static RecordCreatedEvent created() {
        return new RecordCreatedEvent(KEY, 1, json("{'mg':5,'note':'a'}"), "nurse-a", CREATED);
    }

    private static RecordUpdatedEvent changedByA() {
        return new RecordUpdatedEvent(KEY, 2, json("{'mg':10}"), json("{'mg':10,'note':'a'}"), List.of("mg"), null,
                CREATED);
    }

    private static ConflictParkedEvent parked() {
        return new ConflictParkedEvent(KEY, CONFLICT, "update", 1, 2, List.of("mg"), json("{'mg':20}"),
                json("{'mg':10,'note':'a'}"), "nurse-b", "dev-b", 7);
    }

    private static ResolveConflictCommand resolve(Resolution how, ObjectNode data, String by, boolean admin) {
        return new ResolveConflictCommand(KEY, CONFLICT, how, data, by, admin, LATER);
    }

    @Test
    void aStaleUpdateIsParkedAndChangesNeitherDataNorVersion() {
        fixture.given(created(), changedByA())
                .when(new UpdateRecordCommand(KEY, NURSE_B, 1, json("{'mg':20}"), null))
                .expectEvents(parked())
                .expectResultMessagePayload(OperationOutcome.parked(2, json("{'mg':10,'note':'a'}"), CONFLICT,
                        List.of("mg"), OperationOutcome.Reason.STALE));
    }

    @Test
    void severalOpenConflictsOnOneRecordAreAllowed() {
        OpContext other = new OpContext(8, "dev-c", "nurse-c", null, T0.plusSeconds(90));
        fixture.given(created(), changedByA(), parked())
                .when(new UpdateRecordCommand(KEY, other, 1, json("{'mg':30}"), null))
                .expectEvents(new ConflictParkedEvent(KEY, ConflictIds.of(KEY, other), "update", 1, 2,
                        List.of("mg"), json("{'mg':30}"), json("{'mg':10,'note':'a'}"), "nurse-c", "dev-c", 8));
    }

    @Test
    void resolvingWithServerKeepsTheRecord() {
        fixture.given(created(), changedByA(), parked())
                .when(resolve(Resolution.SERVER, null, "boss", true))
                .expectEvents(new ConflictResolvedEvent(KEY, CONFLICT, "server", "boss", 2))
                .expectResultMessagePayload(new ConflictResolution(2, json("{'mg':10,'note':'a'}")));
    }

    @Test
    void resolvingWithClientAppliesTheParkedPatchOnTopAndBumpsTheVersion() {
        ResolvedConflict how = new ResolvedConflict("manual", 1, 2, List.of("mg"));
        fixture.given(created(), changedByA(), parked())
                .when(resolve(Resolution.CLIENT, null, "nurse-b", false))
                .expectEvents(new RecordUpdatedEvent(KEY, 3, json("{'mg':20}"), json("{'mg':20,'note':'a'}"),
                                List.of("mg"), how, new ChangeStamp(LATER, "resolution:nurse-b")),
                        new ConflictResolvedEvent(KEY, CONFLICT, "client", "nurse-b", 3))
                .expectResultMessagePayload(new ConflictResolution(3, json("{'mg':20,'note':'a'}")));
    }

    @Test
    void resolvingWithCustomDataReplacesTheRecordAfterSchemaChecks() {
        ResolvedConflict how = new ResolvedConflict("manual", 1, 2, List.of("mg"));
        fixture.given(created(), changedByA(), parked())
                .when(resolve(Resolution.CUSTOM, json("{'mg':15}"), "boss", true))
                .expectEvents(new RecordUpdatedEvent(KEY, 3, json("{'mg':15,'note':null}"), json("{'mg':15}"),
                                List.of("note", "mg"), how, new ChangeStamp(LATER, "resolution:boss")),
                        new ConflictResolvedEvent(KEY, CONFLICT, "custom", "boss", 3));
    }

    @Test
    void customDataThatBreaksTheSchemaIsRefusedAndChangesNothing() {
        fixture.given(created(), changedByA(), parked())
                .when(resolve(Resolution.CUSTOM, json("{'mg':'lots'}"), "boss", true))
                .expectNoEvents()
                .expectException(ResolutionRefusedException.class);
    }

    @Test
    void resolvingTwiceIsRefused() {
        fixture.given(created(), changedByA(), parked(), new ConflictResolvedEvent(KEY, CONFLICT, "server", "boss", 2))
                .when(resolve(Resolution.CLIENT, null, "boss", true))
                .expectNoEvents()
                .expectException(ResolutionRefusedException.class)
                .expectExceptionMessage("conflict " + CONFLICT + " is already resolved");
    }

    @Test
    void anotherUsersConflictIsNotTheirsToResolve() {
        fixture.given(created(), changedByA(), parked())
                .when(resolve(Resolution.SERVER, null, "nurse-x", false))
                .expectNoEvents()
                .expectException(ResolutionRefusedException.class);
    }

    @Test
    void resolvingWithClientAfterTheRecordMovedOnAppliesOnTheCurrentState() {
        RecordUpdatedEvent movedOn = new RecordUpdatedEvent(KEY, 3, json("{'note':'b'}"), json("{'mg':10,'note':'b'}"),
                List.of("note"), null, CREATED);
        ResolvedConflict how = new ResolvedConflict("manual", 1, 3, List.of("mg"));
        fixture.given(created(), changedByA(), parked(), movedOn)
                .when(resolve(Resolution.CLIENT, null, "boss", true))
                .expectEvents(new RecordUpdatedEvent(KEY, 4, json("{'mg':20}"), json("{'mg':20,'note':'b'}"),
                                List.of("mg"), how, new ChangeStamp(LATER, "resolution:boss")),
                        new ConflictResolvedEvent(KEY, CONFLICT, "client", "boss", 4));
    }

    @Test
    void resolvingAParkedDeleteWithClientDeletesTheRecord() {
        ConflictParkedEvent parkedDelete = new ConflictParkedEvent(KEY, CONFLICT, "delete", 1, 2, List.of("mg"), null,
                json("{'mg':10,'note':'a'}"), "nurse-b", "dev-b", 7);
        fixture.given(created(), changedByA(), parkedDelete)
                .when(resolve(Resolution.CLIENT, null, "nurse-b", false))
                .expectEvents(new RecordDeletedEvent(KEY, 3, new ResolvedConflict("manual", 1, 2, List.of("mg")),
                                new ChangeStamp(LATER, "resolution:nurse-b")),
                        new ConflictResolvedEvent(KEY, CONFLICT, "client", "nurse-b", 3))
                .expectResultMessagePayload(new ConflictResolution(3, null));
    }
}
