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

    private static RecordDeletedEvent deleted() {
        return new RecordDeletedEvent(KEY, 2, null, new ChangeStamp(Instant.parse("2026-01-02T03:04:06Z"), "dev-1"));
    }
}
