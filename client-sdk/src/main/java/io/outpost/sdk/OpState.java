package io.outpost.sdk;

/**
 * Where a queued operation is. {@code PENDING → SYNCING → SYNCED}, or {@code CONFLICT} / {@code FAILED}, which are
 * final for that op: the app may discard it or edit and re-queue it ({@link SyncClient#requeue}).
 */
public enum OpState {
    /** Written locally, not yet sent (or sent without an answer: a transport failure puts it back here). */
    PENDING,
    /** In a push that has not been answered yet. */
    SYNCING,
    /** Accepted by the server ({@code applied} or {@code merged}); leaves the queue once a pull includes it. */
    SYNCED,
    /** The server answered {@code conflict}; the local record shows the server's state. */
    CONFLICT,
    /** The server answered {@code rejected}; the op is in the failed list and the record shows the server's state. */
    FAILED
}
