package io.outpost.command.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.ChangeStamp;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.ConflictStrategy;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.CreateRecordCommand;
import io.outpost.command.api.DeleteRecordCommand;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationConflictedEvent;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.OperationRejectedEvent;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordDeletedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUnchangedEvent;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.RejectionCode;
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

class RecordAggregateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final ChangeStamp CREATED = new ChangeStamp(T0, "dev-a");

    private static final Map<String, CollectionRules> COLLECTIONS = Map.of(
            "notes", rules("notes", ConflictStrategy.REJECT, null),
            "merge_notes", rules("merge_notes", ConflictStrategy.MERGE, ConflictStrategy.REJECT),
            "merge_cw_notes", rules("merge_cw_notes", ConflictStrategy.MERGE, ConflictStrategy.CLIENT_WINS),
            "cw_notes", rules("cw_notes", ConflictStrategy.CLIENT_WINS, null),
            "lww_notes", rules("lww_notes", ConflictStrategy.LAST_WRITE_WINS, null),
            "manual_notes", rules("manual_notes", ConflictStrategy.MANUAL, null),
            "dispenses", new CollectionRules("dispenses", null, null, null, null, null, null, null,
                    data -> data.path("dose").isNumber() ? List.of()
                            : List.of(new FieldError("dose", "must be a number"))));
    private static final CollectionCatalog CATALOG = name -> Optional.ofNullable(COLLECTIONS.get(name));

    private FixtureConfiguration<RecordAggregate> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(RecordAggregate.class);
        fixture.registerInjectableResource(CATALOG);
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    private static CollectionRules rules(String name, ConflictStrategy strategy, ConflictStrategy onOverlap) {
        return new CollectionRules(name, strategy, onOverlap, null, null, null, null, null, null);
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static RecordKey anyRecord(String collection) {
        return new RecordKey("clinic-a", collection, "r-1");
    }

    private static OpContext op(long opId) {
        return new OpContext(opId, "dev-b", "user-2", null, T0.plusSeconds(60));
    }

    private static OpContext opAt(long opId, String device, Instant clientTimestamp) {
        return new OpContext(opId, device, "user-2", clientTimestamp, T0.plusSeconds(60));
    }

    private static RecordCreatedEvent created(RecordKey key, String data) {
        return new RecordCreatedEvent(key, 1, json(data), "user-1", CREATED);
    }

    /** Version 2 changed only {@code title}. */
    private static RecordUpdatedEvent titleChangedAtVersion2(RecordKey key) {
        return new RecordUpdatedEvent(key, 2, json("{'title':'B'}"), json("{'title':'B','body':'x'}"),
                List.of("title"), null, CREATED);
    }

    // ----------------------------------------------------------------------------------------------- creates

    @Test
    void createOfANewIdIsAppliedAtVersionOne() {
        RecordKey key = anyRecord("notes");
        fixture.givenNoPriorActivity()
                .when(new CreateRecordCommand(key, op(1), json("{'title':'A'}"), null))
                .expectEvents(new RecordCreatedEvent(key, 1, json("{'title':'A'}"), "user-2",
                        ChangeStamp.of(op(1))))
                .expectResultMessagePayload(OperationOutcome.applied(1));
    }

    @Test
    void createOfAnIdKnownToBeNewIsAppliedWithoutReadingTheStream() {
        RecordKey key = anyRecord("notes");
        fixture.givenNoPriorActivity()
                .when(new CreateNewRecordCommand(key, op(1), json("{'title':'A'}"), null))
                .expectEvents(new RecordCreatedEvent(key, 1, json("{'title':'A'}"), "user-2",
                        ChangeStamp.of(op(1))))
                .expectResultMessagePayload(OperationOutcome.applied(1));
    }

    @Test
    void derivedFieldsReplaceWhatTheClientSent() {
        RecordKey key = anyRecord("notes");
        fixture.givenNoPriorActivity()
                .when(new CreateRecordCommand(key, op(1), json("{'petId':'p1','clientId':'forged'}"),
                        json("{'clientId':'owner-7'}")))
                .expectEvents(new RecordCreatedEvent(key, 1, json("{'petId':'p1','clientId':'owner-7'}"), "user-2",
                        ChangeStamp.of(op(1))));
    }

    @Test
    void createThatFailsTheSchemaIsRejectedWithFieldPaths() {
        RecordKey key = anyRecord("dispenses");
        List<FieldError> errors = List.of(new FieldError("dose", "must be a number"));
        fixture.givenNoPriorActivity()
                .when(new CreateRecordCommand(key, op(1), json("{'dose':'lots'}"), null))
                .expectEvents(new OperationRejectedEvent(key, "dispenses", "r-1", "create",
                        RejectionCode.VALIDATION_FAILED, "data does not match the schema of collection dispenses",
                        errors))
                .expectResultMessagePayload(OperationOutcome.rejected(RejectionCode.VALIDATION_FAILED,
                        "data does not match the schema of collection dispenses", errors));
    }

    @Test
    void createOverTheSizeLimitIsRejectedAsTooLarge() {
        RecordKey key = anyRecord("notes");
        ObjectNode big = json("{}").put("blob", "x".repeat(CollectionRules.MAX_RECORD_BYTES));
        String message = "record data is " + big.toString().length() + " bytes; the limit is "
                + CollectionRules.MAX_RECORD_BYTES;
        fixture.givenNoPriorActivity()
                .when(new CreateRecordCommand(key, op(1), big, null))
                .expectEvents(new OperationRejectedEvent(key, "notes", "r-1", "create",
                        RejectionCode.RECORD_TOO_LARGE, message, List.of()))
                .expectResultMessagePayload(OperationOutcome.rejected(RejectionCode.RECORD_TOO_LARGE, message,
                        List.of()));
    }

    @Test
    void createRepeatedWithTheSameDataIsADuplicateThatChangesNothing() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"))
                .when(new CreateRecordCommand(key, op(7), json("{'title':'A'}"), null))
                .expectEvents(new RecordUnchangedEvent(key, 1, RecordUnchangedEvent.CREATE_REPEATED))
                .expectResultMessagePayload(OperationOutcome.unchanged(1));
    }

    @Test
    void createOfAnExistingIdConflictsUnderReject() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"))
                .when(new CreateRecordCommand(key, op(2), json("{'title':'Z'}"), null))
                .expectEvents(new OperationConflictedEvent(key, "create", 0, 1, "reject", List.of("title"),
                        json("{'title':'Z'}")))
                .expectResultMessagePayload(OperationOutcome.conflict(1, json("{'title':'A'}"), "reject",
                        List.of("title"), OperationOutcome.Reason.EXISTS));
    }

    @Test
    void createOfAnExistingIdReplacesItUnderClientWins() {
        RecordKey key = anyRecord("cw_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"))
                .when(new CreateRecordCommand(key, op(2), json("{'title':'Z'}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 2, json("{'body':null,'title':'Z'}"),
                        json("{'title':'Z'}"), List.of("body", "title"),
                        new ResolvedConflict("client-wins", 0, 1, List.of("title")), ChangeStamp.of(op(2))))
                .expectResultMessagePayload(OperationOutcome.applied(2));
    }

    @Test
    void createOfAnExistingIdWithNewFieldsMergesUnderMerge() {
        RecordKey key = anyRecord("merge_notes");
        fixture.given(created(key, "{'title':'A'}"))
                .when(new CreateRecordCommand(key, op(2), json("{'title':'A','body':'new'}"), null))
                .expectResultMessagePayload(OperationOutcome.merged(2, json("{'title':'A','body':'new'}")));
    }

    // ----------------------------------------------------------------------------------------------- updates

    @Test
    void updateOnTheCurrentVersionIsApplied() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"))
                .when(new UpdateRecordCommand(key, op(2), 1, json("{'title':'B','body':null}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 2, json("{'body':null,'title':'B'}"),
                        json("{'title':'B'}"), List.of("body", "title"), null, ChangeStamp.of(op(2))))
                .expectResultMessagePayload(OperationOutcome.applied(2));
    }

    @Test
    void staleUpdateConflictsUnderReject() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, op(3), 1, json("{'body':'y'}"), null))
                .expectEvents(new OperationConflictedEvent(key, "update", 1, 2, "reject", List.of(),
                        json("{'body':'y'}")))
                .expectResultMessagePayload(OperationOutcome.conflict(2, json("{'title':'B','body':'x'}"),
                        "reject", List.of(), OperationOutcome.Reason.STALE));
    }

    @Test
    void staleUpdateOfUntouchedFieldsIsMergedUnderMerge() {
        RecordKey key = anyRecord("merge_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, op(3), 1, json("{'body':'y'}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 3, json("{'body':'y'}"), json("{'title':'B','body':'y'}"),
                        List.of("body"), new ResolvedConflict("merge", 1, 2, List.of()), ChangeStamp.of(op(3))))
                .expectResultMessagePayload(OperationOutcome.merged(3, json("{'title':'B','body':'y'}")));
    }

    @Test
    void staleUpdateOfAChangedFieldFallsToOnOverlapReject() {
        RecordKey key = anyRecord("merge_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, op(3), 1, json("{'title':'C','body':'y'}"), null))
                .expectEvents(new OperationConflictedEvent(key, "update", 1, 2, "merge", List.of("title"),
                        json("{'title':'C','body':'y'}")))
                .expectResultMessagePayload(OperationOutcome.conflict(2, json("{'title':'B','body':'x'}"), "merge",
                        List.of("title"), OperationOutcome.Reason.STALE));
    }

    @Test
    void staleUpdateOfAChangedFieldIsMergedWithClientWinningUnderOnOverlapClientWins() {
        RecordKey key = anyRecord("merge_cw_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, op(3), 1, json("{'title':'C'}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 3, json("{'title':'C'}"), json("{'title':'C','body':'x'}"),
                        List.of("title"), new ResolvedConflict("merge", 1, 2, List.of("title")),
                        ChangeStamp.of(op(3))))
                .expectResultMessagePayload(OperationOutcome.merged(3, json("{'title':'C','body':'x'}")));
    }

    @Test
    void staleUpdateIsAppliedUnderClientWinsAndRecordsWhatItOverwrote() {
        RecordKey key = anyRecord("cw_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, op(3), 1, json("{'title':'C'}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 3, json("{'title':'C'}"), json("{'title':'C','body':'x'}"),
                        List.of("title"), new ResolvedConflict("client-wins", 1, 2, List.of("title")),
                        ChangeStamp.of(op(3))))
                .expectResultMessagePayload(OperationOutcome.applied(3));
    }

    @Test
    void staleNewerWriteWinsUnderLastWriteWins() {
        RecordKey key = anyRecord("lww_notes");
        OpContext newer = opAt(3, "dev-b", T0.plusSeconds(5));
        fixture.given(created(key, "{'title':'A'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, newer, 1, json("{'title':'C'}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 3, json("{'title':'C'}"), json("{'title':'C','body':'x'}"),
                        List.of("title"), new ResolvedConflict("last-write-wins", 1, 2, List.of("title")),
                        ChangeStamp.of(newer)))
                .expectResultMessagePayload(OperationOutcome.applied(3));
    }

    @Test
    void staleOlderWriteIsRejectedUnderLastWriteWins() {
        RecordKey key = anyRecord("lww_notes");
        fixture.given(created(key, "{'title':'A'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, opAt(3, "dev-z", T0.minusSeconds(5)), 1, json("{'title':'C'}"),
                        null))
                .expectResultMessagePayload(OperationOutcome.conflict(2, json("{'title':'B','body':'x'}"),
                        "last-write-wins", List.of("title"), OperationOutcome.Reason.STALE));
    }

    @Test
    void lastWriteWinsTieGoesToTheLargerDeviceId() {
        RecordKey key = anyRecord("lww_notes");
        fixture.given(created(key, "{'title':'A'}"), titleChangedAtVersion2(key))
                .when(new UpdateRecordCommand(key, opAt(3, "dev-0", T0), 1, json("{'title':'C'}"), null))
                .expectResultMessagePayload(OperationOutcome.conflict(2, json("{'title':'B','body':'x'}"),
                        "last-write-wins", List.of("title"), OperationOutcome.Reason.STALE));
    }

    @Test
    void updateFromABaseVersionAheadOfTheRecordConflictsWithEveryFieldOverlapping() {
        // v1.2: a device that saw versions a restored server lost gets the server's state back, as in any conflict
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"))
                .when(new UpdateRecordCommand(key, op(2), 5, json("{'title':'C'}"), null))
                .expectEvents(new OperationConflictedEvent(key, "update", 5, 1, "reject", List.of("title"),
                        json("{'title':'C'}")))
                .expectResultMessagePayload(OperationOutcome.conflict(1, json("{'title':'A'}"), "reject",
                        List.of("title"), OperationOutcome.Reason.AHEAD));
    }

    @Test
    void updateFromABaseVersionAheadGoesToOnOverlapUnderMerge() {
        // the server cannot tell which fields changed between its version and the device's: none merges silently
        RecordKey key = anyRecord("merge_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"))
                .when(new UpdateRecordCommand(key, op(2), 4, json("{'body':'y'}"), null))
                .expectResultMessagePayload(OperationOutcome.conflict(1, json("{'title':'A','body':'x'}"), "merge",
                        List.of("body"), OperationOutcome.Reason.AHEAD));
    }

    @Test
    void deleteFromABaseVersionAheadConflictsListingEveryField() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"))
                .when(new DeleteRecordCommand(key, op(2), 3))
                .expectResultMessagePayload(OperationOutcome.conflict(1, json("{'title':'A','body':'x'}"), "reject",
                        List.of("title", "body"), OperationOutcome.Reason.AHEAD));
    }

    @Test
    void createOfADeletedIdConflictsSayingItWasDeleted() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"), new RecordDeletedEvent(key, 2, null, CREATED))
                .when(new CreateRecordCommand(key, op(3), json("{'title':'Z'}"), null))
                .expectResultMessagePayload(OperationOutcome.conflict(2, null, "reject", List.of("title"),
                        OperationOutcome.Reason.DELETED));
    }

    @Test
    void updateThatBreaksTheSchemaIsRejectedAndChangesNothing() {
        RecordKey key = anyRecord("dispenses");
        fixture.given(created(key, "{'dose':5}"))
                .when(new UpdateRecordCommand(key, op(2), 1, json("{'dose':null}"), null))
                .expectResultMessagePayload(OperationOutcome.rejected(RejectionCode.VALIDATION_FAILED,
                        "data does not match the schema of collection dispenses",
                        List.of(new FieldError("dose", "must be a number"))));
    }

    @Test
    void updateOfADeletedRecordConflictsUnderReject() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"), new RecordDeletedEvent(key, 2, null, CREATED))
                .when(new UpdateRecordCommand(key, op(3), 2, json("{'title':'C'}"), null))
                .expectEvents(new OperationConflictedEvent(key, "update", 2, 2, "reject", List.of("title"),
                        json("{'title':'C'}")))
                .expectResultMessagePayload(OperationOutcome.conflict(2, null, "reject", List.of("title"),
                        OperationOutcome.Reason.DELETED));
    }

    @Test
    void updateOfADeletedRecordRevivesItUnderClientWins() {
        RecordKey key = anyRecord("cw_notes");
        fixture.given(created(key, "{'title':'A'}"), new RecordDeletedEvent(key, 2, null, CREATED))
                .when(new UpdateRecordCommand(key, op(3), 1, json("{'title':'C'}"), null))
                .expectEvents(new RecordUpdatedEvent(key, 3, json("{'title':'C'}"), json("{'title':'C'}"),
                        List.of("title"), new ResolvedConflict("client-wins", 1, 2, List.of("title")),
                        ChangeStamp.of(op(3))))
                .expectResultMessagePayload(OperationOutcome.applied(3));
    }

    @Test
    void updateOfARecordThatWasNeverCreatedIsNotFound() {
        RecordKey key = anyRecord("dispenses");
        fixture.given(new OperationRejectedEvent(key, "dispenses", "r-1", "create", RejectionCode.VALIDATION_FAILED,
                        "bad", List.of()))
                .when(new UpdateRecordCommand(key, op(2), 1, json("{'dose':1}"), null))
                .expectResultMessagePayload(OperationOutcome.rejected(RejectionCode.NOT_FOUND,
                        "record r-1 does not exist", List.of()));
    }

    @Test
    void commandForAnUndeclaredCollectionIsRejected() {
        RecordKey key = anyRecord("nowhere");
        fixture.givenNoPriorActivity()
                .when(new CreateRecordCommand(key, op(1), json("{}"), null))
                .expectResultMessagePayload(OperationOutcome.rejected(RejectionCode.UNKNOWN_COLLECTION,
                        "collection nowhere is not declared", List.of()));
    }

    // ----------------------------------------------------------------------------------------------- deletes

    @Test
    void deleteOnTheCurrentVersionMakesATombstone() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"))
                .when(new DeleteRecordCommand(key, op(2), 1))
                .expectEvents(new RecordDeletedEvent(key, 2, null, ChangeStamp.of(op(2))))
                .expectResultMessagePayload(OperationOutcome.applied(2));
    }

    @Test
    void staleDeleteConflictsUnderRejectListingTheFieldsChangedSince() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new DeleteRecordCommand(key, op(3), 1))
                .expectEvents(new OperationConflictedEvent(key, "delete", 1, 2, "reject", List.of("title"), null))
                .expectResultMessagePayload(OperationOutcome.conflict(2, json("{'title':'B','body':'x'}"), "reject",
                        List.of("title"), OperationOutcome.Reason.STALE));
    }

    @Test
    void staleDeleteIsAppliedUnderClientWins() {
        RecordKey key = anyRecord("cw_notes");
        fixture.given(created(key, "{'title':'A','body':'x'}"), titleChangedAtVersion2(key))
                .when(new DeleteRecordCommand(key, op(3), 1))
                .expectEvents(new RecordDeletedEvent(key, 3, new ResolvedConflict("client-wins", 1, 2,
                        List.of("title")), ChangeStamp.of(op(3))))
                .expectResultMessagePayload(OperationOutcome.applied(3));
    }

    @Test
    void deleteOfADeletedRecordChangesNothing() {
        RecordKey key = anyRecord("notes");
        fixture.given(created(key, "{'title':'A'}"), new RecordDeletedEvent(key, 2, null, CREATED))
                .when(new DeleteRecordCommand(key, op(3), 1))
                .expectEvents(new RecordUnchangedEvent(key, 2, RecordUnchangedEvent.ALREADY_DELETED))
                .expectResultMessagePayload(OperationOutcome.unchanged(2));
    }
}
