package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.outpost.api.support.ServerTest;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordLookup;
import io.outpost.command.api.RecordOperations;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A record operation gives its unit of work the repository's map of managed aggregates as command-side's
 * {@code ManagedAggregates} (which finds an aggregate by its identifier at commit instead of scanning), under the key
 * Axon's repository uses itself: were the key not Axon's, Axon would keep the aggregate in a plain map of its own.
 */
class ManagedAggregatesInUnitOfWorkTest extends ServerTest {

    @Autowired
    RecordOperations operations;

    @Autowired
    RecordLookup lookup;

    @Test
    void theUnitOfWorkKeepsItsAggregatesInTheMapThatFindsThemByIdentifier() {
        inUnitOfWorkCreating(false);
    }

    /** As a push's planner does: it looks a record up before the first op runs. */
    @Test
    void aLookupBeforeTheFirstOpInstallsItToo() {
        inUnitOfWorkCreating(true);
    }

    private void inUnitOfWorkCreating(boolean lookUpFirst) {
        RecordKey key = new RecordKey(anyTenant(), "merge_notes", "managed-1");
        UnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        try {
            if (lookUpFirst) assertThat(lookup.find(key)).isEmpty();
            OperationOutcome outcome = operations.execute(new CreateNewRecordCommand(key,
                    new OpContext(1, "dev-1", "user-1", null, Instant.now()),
                    JsonNodeFactory.instance.objectNode().put("title", "t"), null));
            assertThat(outcome.version()).isEqualTo(1);

            List<Map<?, ?>> holding = uow.root().resources().values().stream()
                    .filter(v -> v instanceof Map<?, ?> m && m.containsKey(key.toString()))
                    .<Map<?, ?>>map(v -> (Map<?, ?>) v)
                    .toList();
            assertThat(holding).as("one map of managed aggregates holds the record").hasSize(1);
            Map<?, ?> managed = holding.get(0);
            assertThat(managed.getClass().getSimpleName()).as("resources %s", uow.root().resources().keySet())
                    .isEqualTo("ManagedAggregates");
            assertThat(managed.containsValue(managed.get(key.toString()))).isTrue();
            assertThat(managed.containsValue(new Object())).isFalse();
        } finally {
            uow.rollback();
        }
    }
}
