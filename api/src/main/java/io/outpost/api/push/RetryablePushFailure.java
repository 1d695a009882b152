package io.outpost.api.push;

import java.sql.SQLException;
import java.util.Set;
import org.axonframework.common.lock.LockAcquisitionFailedException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.springframework.dao.ConcurrencyFailureException;

/**
 * Tells failures that a fresh attempt of the whole push can cure (another push changed the same record or device
 * first, a lock wait or a deadlock) from real failures. Safe to retry because a push's events and results commit
 * together or not at all.
 */
final class RetryablePushFailure {

    /** unique_violation, serialization_failure, deadlock_detected, lock_not_available. */
    private static final Set<String> SQL_STATES = Set.of("23505", "40001", "40P01", "55P03");

    private RetryablePushFailure() {
    }

    static boolean isRetryable(Throwable failure) {
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
