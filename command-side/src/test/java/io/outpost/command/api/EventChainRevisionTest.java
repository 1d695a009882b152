package io.outpost.command.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hash chain survives the events' revision 2 (schemaVersion added): the hashes below were computed by the code of
 * revision 1, so chains stored then still verify after their events are upcast, and new events of schema version 1
 * hash as they always did.
 */
class EventChainRevisionTest {

    private static final String CREATED_REV1_HASH = "57f8359b3f4d1135c918da7c87d61dae2cda707814145aee24f115ca974ab0e4";
    private static final String UPDATED_REV1_HASH = "59c57c357c15b4e44024bd87ca278300da14d04617b3f91774947a16f7a6a0b0";

    private static final RecordKey KEY = new RecordKey("clinic-a", "pets", "p-1");
    private static final ChangeStamp STAMP = new ChangeStamp(Instant.parse("2026-11-22T10:00:00Z"), "tablet-7");

    @Test
    void eventsOfSchemaVersion1HashAsRevision1Did() {
        String created = EventChain.next(EventChain.GENESIS, new RecordCreatedEvent(KEY, 1,
                json("{'name':'Rex','weightKg':12.5,'tags':['a']}"), "nurse1", STAMP, 1));
        assertEquals(CREATED_REV1_HASH, created);
        String updated = EventChain.next(created, new RecordUpdatedEvent(KEY, 2, json("{'name':'Rex II'}"),
                json("{'name':'Rex II','weightKg':12.5,'tags':['a']}"), List.of("name"), null, STAMP, 1));
        assertEquals(UPDATED_REV1_HASH, updated);
    }

    @Test
    void aLaterSchemaVersionIsPartOfTheHash() {
        String v2 = EventChain.next(EventChain.GENESIS, new RecordCreatedEvent(KEY, 1,
                json("{'name':'Rex','weightKg':12.5,'tags':['a']}"), "nurse1", STAMP, 2));
        assertNotEquals(CREATED_REV1_HASH, v2);
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(text.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
