package io.outpost.query.feed;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BinaryOperator;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementCallback;

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

    /**
     * One JDBC batch on the transaction's connection, the parameters bound by their Java type (String, Long, Integer,
     * Boolean, Timestamp; null as a parameter of unspecified type). JdbcTemplate's {@code batchUpdate(sql, rows)}
     * binds each parameter through its generic setter, which checks the logger's level for every value: a third of
     * the change feed's CPU in a profile of the push benchmark.
     */
    private void send(String sql, Collection<Object[]> rows) {
        jdbc.execute(sql, (PreparedStatementCallback<int[]>) ps -> {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) bind(ps, i + 1, row[i]);
                ps.addBatch();
            }
            return ps.executeBatch();
        });
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value == null) ps.setNull(index, Types.NULL);
        else if (value instanceof String text) ps.setString(index, text);
        else if (value instanceof Long number) ps.setLong(index, number);
        else if (value instanceof Integer number) ps.setInt(index, number);
        else if (value instanceof Boolean flag) ps.setBoolean(index, flag);
        else if (value instanceof Timestamp at) ps.setTimestamp(index, at);
        else ps.setObject(index, value);
    }

    private Map<String, Map<Object, Object[]>> batch() {
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        return uow.getOrComputeResource(resource, key -> {
            Map<String, Map<Object, Object[]>> rows = new LinkedHashMap<>();
            statements.forEach(sql -> rows.put(sql, new LinkedHashMap<>()));
            uow.onPrepareCommit(u -> rows.forEach((sql, batch) -> {
                if (!batch.isEmpty()) send(sql, batch.values());
            }));
            return rows;
        });
    }
}
