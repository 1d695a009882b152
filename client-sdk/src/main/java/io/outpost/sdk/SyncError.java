package io.outpost.sdk;

import java.util.Optional;

/**
 * Why a sync did not complete. Never carries a token or record data.
 *
 * @param code   the server's problem {@code code} when it sent one ({@code rate_limited}, {@code invalid_request}, …)
 * @param status the HTTP status, 0 when no answer arrived
 */
public record SyncError(Kind kind, String message, int status, Optional<String> code) {

    public enum Kind {
        /** No answer (connection refused, timeout, DNS): the client is offline; ops stay pending. */
        OFFLINE,
        /** 401 even after one token refresh. */
        UNAUTHORIZED,
        /** 403: e.g. this device is bound to another user. */
        FORBIDDEN,
        /** 429 or 503: the server asked to come back later ({@code Retry-After}). */
        BUSY,
        /** Another 4xx: the request was refused (a bug or a misconfiguration). */
        REFUSED,
        /**
         * 400 {@code upgrade_required}: this app's schema version of a collection
         * ({@link SyncClient.Builder#schemaVersion}) is older than the server still accepts (docs/schema-versions.md).
         * Nothing of the push was applied and every op stays queued; the client stops syncing by itself (a
         * {@link SyncClient#syncNow()} still asks once) until the app is updated: show "please update the app".
         */
        UPGRADE_REQUIRED,
        /** 5xx or an answer that is not the protocol's. */
        SERVER,
        /** The local store or a callback failed; nothing was lost, the sync stopped. */
        LOCAL
    }

    @Override
    public String toString() {
        return kind + (status > 0 ? " " + status : "") + code.map(c -> " " + c).orElse("") + ": " + message;
    }
}
