package io.outpost.query.feed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Collects a projection's row writes during an event processor's batch and sends them as JDBC batches when that
 * unit of work prepares its commit (inside the processor's transaction, with its token), one batch per statement in
 * the order the statements were given. Outside a unit of work a write goes out at once.
 */
public final class BatchedWrites {

    private final JdbcTemplate jdbc;
    private final List<String> statements;
    private static final java.util.concurrent.atomic.AtomicLong INSTANCES = new java.util.concurrent.atomic.AtomicLong();

    private final String resource = BatchedWrites.class.getName() + "#" + INSTANCES.incrementAndGet();

    /** @param statements the SQL this projection writes, in the order their batches must run */
    public BatchedWrites(JdbcTemplate jdbc, List<String> statements) {
        this.jdbc = jdbc;
        this.statements = List.copyOf(statements);
    }

    public void add(String statement, Object[] row) {
        if (!statements.contains(statement)) throw new IllegalArgumentException("unknown statement");
        if (!CurrentUnitOfWork.isStarted()) {
            jdbc.update(statement, row);
            return;
        }
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        uow.<Map<String, List<Object[]>>>getOrComputeResource(resource, key -> {
            Map<String, List<Object[]>> rows = new LinkedHashMap<>();
            statements.forEach(sql -> rows.put(sql, new ArrayList<>()));
            uow.onPrepareCommit(u -> rows.forEach((sql, batch) -> {
                if (!batch.isEmpty()) jdbc.batchUpdate(sql, batch);
            }));
            return rows;
        }).get(statement).add(row);
    }
}
