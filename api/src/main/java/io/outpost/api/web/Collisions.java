package io.outpost.api.web;

import java.sql.SQLException;
import java.util.Set;
import org.axonframework.common.lock.LockAcquisitionFailedException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.springframework.dao.ConcurrencyFailureException;

/**
 * Tells failures that a fresh attempt can cure (another transaction changed the same record or device first, a lock
 * wait or a deadlock) from real failures. Retrying is safe for work that commits all or nothing: a push, a conflict
 * resolution.
 */
public final class Collisions {

    /** unique_violation, serialization_failure, deadlock_detected, lock_not_available. */
    private static final Set<String> SQL_STATES = Set.of("23505", "40001", "40P01", "55P03");

    private Collisions() {
    }

    public static boolean isRetryable(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 25; t = t.getCause(), depth++) {
            if (t instanceof ConcurrencyException || t instanceof LockAcquisitionFailedException
                    || t instanceof ConcurrencyFailureException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && SQL_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
