package io.outpost.command.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Hashes already stored in event metadata must verify for ever: the chain's bytes are pinned here by hashes computed
 * by the first implementation (a tree written to a byte array, then hashed) for two events of a record.
 */
class EventChainTest {

    private static final RecordKey KEY = new RecordKey("t1", "notes", "n1");

    @Test
    void theChainOfARecordHashesAsItAlwaysHas() throws Exception {
        ObjectNode data = (ObjectNode) new ObjectMapper()
                .readTree("{\"b\":1,\"a\":{\"y\":\"é\",\"x\":[1,2]},\"n\":null}");
        String created = EventChain.next(null, new RecordCreatedEvent(KEY, 1, data, "u1",
                new ChangeStamp(Instant.parse("2026-01-02T03:04:05.678Z"), "dev-1")));
        assertThat(created).isEqualTo("1c8d0c49b63095b92088debf2c65ca86e24a50d88b7a16d593b54977dfd598d4");
        assertThat(EventChain.next("ab".repeat(32), deleted())).isEqualTo(
                "c327c7ec70c5c5af4a77f386f9379265532583131685818270de37937c8ac3e7");
    }

    @Test
    void aHashDependsOnlyOnItsInputsWhateverTheThreadDidBefore() throws Exception {
        String expected = EventChain.next("ab".repeat(32), deleted());
        // a failed or unrelated hash on another thread leaves nothing behind in that thread's digest
        String elsewhere = CompletableFuture.supplyAsync(() -> {
            EventChain.next(null, KEY);
            return EventChain.next("ab".repeat(32), deleted());
        }).get();
        assertThat(elsewhere).isEqualTo(expected);
        assertThat(EventChain.next(EventChain.GENESIS, deleted())).isNotEqualTo(expected);
    }

    @Test
    void aStateCopiedFromItsWrittenTextHashesAsTheTreeDoes() throws Exception {
        ObjectMapper json = new ObjectMapper().enable(
                com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        // what a push's data can hold: escapes, non-ASCII and astral characters (also as escaped pairs), numbers of
        // every kind Jackson reads, nesting, nulls, fields in no particular order
        java.util.List<String> states = java.util.List.of(
                "{\"b\":1,\"a\":{\"y\":\"é\",\"x\":[1,2]},\"n\":null}",
                "{\"z\":\"tab\\tquote\\\"nl\\n\\u0001\\u001f/\\\\\",\"bmp\":\"dose ✓ µg ß 中文\"}",
                "{\"z\":\"tab\\tquote\\\"nl\\n\\u0001\\u001f/\\\\\",\"emoji\":\"💊 dose ✓\",\"pair\":\"\\ud83d\\udc8a\"}",
                "{\"big\":123456789012345678901234567890,\"dec\":2.50,\"exp\":1e-7,\"neg\":-0.0,\"max\":9223372036854775807}",
                "{\"deep\":[[],{},[{\"a\":[null,true,false,\"\"]}]],\"empty\":\"\"}");
        for (String text : states) {
            ObjectNode state = (ObjectNode) json.readTree(text);
            RecordCreatedEvent event = new RecordCreatedEvent(KEY, 1, state, "u1",
                    new ChangeStamp(Instant.parse("2026-01-02T03:04:05.678Z"), "dev-1"));
            String fromTree = EventChain.next(null, event); // no unit of work: the tree is written
            org.axonframework.messaging.unitofwork.UnitOfWork<?> uow =
                    org.axonframework.messaging.unitofwork.DefaultUnitOfWork.startAndGet(null);
            String fromText;
            try {
                StateJson.write(state);
                // a character beyond the BMP (an emoji) is written as an escaped pair from the tree, as itself in
                // the text: such a state is not copied, the others are
                assertThat(StateJson.remembered(state)).as(text).matches(
                        remembered -> (remembered == null) == text.matches("(?s).*(💊|\\\\ud83d).*"));
                fromText = EventChain.next(null, event);
            } finally {
                uow.commit();
            }
            assertThat(fromText).as(text).isEqualTo(fromTree);
        }
        // a state with an unpaired surrogate is not remembered (StateJson.Text#unicode; the aggregate rejects it):
        // its hash, if asked for, is the tree's
        ObjectNode lone = (ObjectNode) json.readTree("{\"lone\":\"\\ud800x\"}");
        RecordCreatedEvent loneEvent = new RecordCreatedEvent(KEY, 1, lone, "u1",
                new ChangeStamp(Instant.parse("2026-01-02T03:04:05.678Z"), "dev-1"));
        String loneFromTree = EventChain.next(null, loneEvent);
        org.axonframework.messaging.unitofwork.UnitOfWork<?> loneUow =
                org.axonframework.messaging.unitofwork.DefaultUnitOfWork.startAndGet(null);
        try {
            assertThat(StateJson.write(lone).unicode()).isFalse();
            assertThat(StateJson.remembered(lone)).isNull();
            assertThat(EventChain.next(null, loneEvent)).isEqualTo(loneFromTree);
        } finally {
            loneUow.commit();
        }
        // and the copy is what is hashed: a state changed after it was written hashes as it was written
        ObjectNode state = (ObjectNode) json.readTree(states.get(0));
        RecordCreatedEvent event = new RecordCreatedEvent(KEY, 1, state, "u1",
                new ChangeStamp(Instant.parse("2026-01-02T03:04:05.678Z"), "dev-1"));
        org.axonframework.messaging.unitofwork.UnitOfWork<?> uow =
                org.axonframework.messaging.unitofwork.DefaultUnitOfWork.startAndGet(null);
        try {
            StateJson.write(state);
            state.put("b", 2);
            assertThat(EventChain.next(null, event))
                    .isEqualTo("1c8d0c49b63095b92088debf2c65ca86e24a50d88b7a16d593b54977dfd598d4");
        } finally {
            uow.commit();
        }
    }

    private static RecordDeletedEvent deleted() {
        return new RecordDeletedEvent(KEY, 2, null, new ChangeStamp(Instant.parse("2026-01-02T03:04:06Z"), "dev-1"));
    }
}
