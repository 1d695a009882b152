package io.outpost.api.database;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a failure to reach the database (refused, timed out, connection lost, server shutting down) from a failure of
 * the work itself (a constraint, a serialisation conflict, a bug).
 */
public final class DatabaseFailures {

    /** admin_shutdown, crash_shutdown, cannot_connect_now; class 08 (connection exception) is matched by prefix. */
    private static final Set<String> SQL_STATES = Set.of("57P01", "57P02", "57P03");

    /**
     * Hikari's answer (no SQLState) on a connection it has closed under its user, which it does to a connection it
     * found broken: the statement that follows a lost connection fails with this.
     */
    private static final String HIKARI_CLOSED = "Connection is closed";

    private DatabaseFailures() {
    }

    public static boolean isConnectionFailure(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 25; t = t.getCause(), depth++) {
            if (t instanceof SQLTransientConnectionException || t instanceof CannotGetJdbcConnectionException
                    || t instanceof CannotCreateTransactionException || t instanceof ConnectException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
            if (t instanceof SQLException sql && (connectionState(sql) || connectionState(sql.getNextException())
                    || HIKARI_CLOSED.equals(sql.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    /** A batch that failed on a lost connection says so in its next exception (pgjdbc's BatchUpdateException). */
    private static boolean connectionState(SQLException sql) {
        if (sql == null || sql.getSQLState() == null) return false;
        return sql.getSQLState().startsWith("08") || SQL_STATES.contains(sql.getSQLState());
    }
}
