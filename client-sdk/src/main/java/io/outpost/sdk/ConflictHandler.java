package io.outpost.sdk;

/**
 * Decides what happens to an op the server answered with {@code conflict}. Called after the answer is stored, on the
 * client's sync thread, never under the store's lock; it must be fast and must not throw (a throw counts as
 * {@link Decision#KEEP_SERVER}).
 */
@FunctionalInterface
public interface ConflictHandler {

    /** What to do with the local change. */
    enum Decision {
        /** Drop the local change; the record keeps the server's state. */
        KEEP_SERVER,
        /**
         * Apply the local change on top of the server's current version: a new op, or, for a conflict the server
         * parked ({@code conflictId}), resolving it with the client's data.
         */
        REAPPLY_LOCAL,
        /** Keep the op in the conflict list for the app or an admin ({@link SyncClient#resolve}, {@link SyncClient#discard}). */
        LEAVE_OPEN
    }

    Decision onConflict(Conflict conflict);

    /**
     * The default: keeps the server's state, except for conflicts the server parked for a decision
     * ({@code manual}, with a conflictId), which stay open for the app or an admin.
     */
    ConflictHandler DEFAULT = conflict -> conflict.conflictId().isPresent() ? Decision.LEAVE_OPEN : Decision.KEEP_SERVER;
    /** Keeps the server's state for every conflict (a parked one stays open on the server for an admin). */
    ConflictHandler KEEP_SERVER = conflict -> Decision.KEEP_SERVER;
    /** Leaves every conflict open in {@link SyncClient#conflictedOps()}. */
    ConflictHandler LEAVE_OPEN = conflict -> Decision.LEAVE_OPEN;
}
