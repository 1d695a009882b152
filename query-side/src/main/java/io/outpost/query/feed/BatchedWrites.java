package io.outpost.query.feed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BinaryOperator;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Collects a projection's row writes during an event processor's batch and sends them as JDBC batches when that
 * unit of work prepares its commit (inside the processor's transaction, with its token), one batch per statement in
 * the order the statements were given. Outside a unit of work a write goes out at once.
 *
 * <p>Rows written with {@link #merge} under the same key within one batch become one row (the driver sends a batch
 * as multi-row INSERTs, and an {@code ON CONFLICT DO UPDATE} may not touch one row twice in one statement); the
 * merged row takes the place of the key's last write.
 */
public final class BatchedWrites {

    private static final AtomicLong INSTANCES = new AtomicLong();

    private final JdbcTemplate jdbc;
    private final List<String> statements;
    private final String resource = BatchedWrites.class.getName() + "#" + INSTANCES.incrementAndGet();

    /** @param statements the SQL this projection writes, in the order their batches must run */
    public BatchedWrites(JdbcTemplate jdbc, List<String> statements) {
        this.jdbc = jdbc;
        this.statements = List.copyOf(statements);
    }

    /** Adds a row of its own. */
    public void add(String statement, Object[] row) {
        merge(statement, new Object(), row, (earlier, later) -> later);
    }

    /** Adds a row, or merges it into the row already added under {@code key} in this batch. */
    public void merge(String statement, Object key, Object[] row, BinaryOperator<Object[]> merge) {
        if (!statements.contains(statement)) throw new IllegalArgumentException("unknown statement");
        if (!CurrentUnitOfWork.isStarted()) {
            jdbc.update(statement, row);
            return;
        }
        Map<Object, Object[]> rows = batch().get(statement);
        Object[] earlier = rows.remove(key);
        rows.put(key, earlier == null ? row : merge.apply(earlier, row));
    }

    private Map<String, Map<Object, Object[]>> batch() {
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        return uow.getOrComputeResource(resource, key -> {
            Map<String, Map<Object, Object[]>> rows = new LinkedHashMap<>();
            statements.forEach(sql -> rows.put(sql, new LinkedHashMap<>()));
            uow.onPrepareCommit(u -> rows.forEach((sql, batch) -> {
                if (!batch.isEmpty()) jdbc.batchUpdate(sql, new ArrayList<>(batch.values()));
            }));
            return rows;
        });
    }
}
