package io.outpost.sdk;

import java.time.Instant;
import java.util.Optional;

/**
 * What a status badge shows.
 *
 * @param pendingOps    ops not yet accepted by the server (PENDING and SYNCING)
 * @param failedOps     ops in the failed list
 * @param openConflicts ops in the conflict list
 * @param progress      of the running sync, empty when idle
 * @param nextAttemptAt when the client will try again by itself after a failure (backoff or {@code Retry-After})
 */
public record SyncStatus(State state, int pendingOps, int failedOps, int openConflicts,
                         Optional<Instant> lastAttemptAt, Optional<Instant> lastSuccessAt,
                         Optional<SyncError> lastError, Optional<Progress> progress, Optional<Instant> nextAttemptAt) {

    public enum State {
        IDLE, SYNCING,
        /** The last sync found no server. */
        OFFLINE,
        /** The last sync was refused (401 after a refresh, 403, another 4xx, 5xx). */
        ERROR,
        /**
         * The server said this app is too old for a collection's schema (400 {@code upgrade_required},
         * {@link SyncError.Kind#UPGRADE_REQUIRED}): the queue is kept and automatic syncs stop until the app is
         * updated (a new client with the newer {@link SyncClient.Builder#schemaVersion}) or a sync succeeds.
         */
        UPGRADE_REQUIRED
    }

    /**
     * What a badge should say, in this precedence: {@code UPGRADE_REQUIRED} (nothing syncs until the app is updated:
     * the one thing the user can do), then {@code ATTENTION} (changes the server rejected or that are in
     * conflict: someone must look), then the {@link State} when it is {@code ERROR}, {@code OFFLINE} or
     * {@code SYNCING}, then {@code PENDING} (changes not yet on the server), else {@code SYNCED}: "synced" only when
     * nothing is pending, failed or in conflict.
     */
    public enum Summary { UPGRADE_REQUIRED, ATTENTION, ERROR, OFFLINE, SYNCING, PENDING, SYNCED }

    /** The badge's word ({@link Summary}); the same values and precedence as the browser SDK's {@code summary}. */
    public Summary summary() {
        if (state == State.UPGRADE_REQUIRED) return Summary.UPGRADE_REQUIRED;
        if (failedOps > 0 || openConflicts > 0) return Summary.ATTENTION;
        return switch (state) {
            case UPGRADE_REQUIRED -> Summary.UPGRADE_REQUIRED;
            case ERROR -> Summary.ERROR;
            case OFFLINE -> Summary.OFFLINE;
            case SYNCING -> Summary.SYNCING;
            case IDLE -> pendingOps > 0 ? Summary.PENDING : Summary.SYNCED;
        };
    }

    /**
     * Progress of a sync phase. During a pull, {@code total} is -1: the protocol does not say how many changes are
     * waiting, so {@code done} counts what arrived so far.
     */
    public record Progress(Phase phase, long done, long total) {
        public enum Phase { PUSH, PULL }
    }
}
