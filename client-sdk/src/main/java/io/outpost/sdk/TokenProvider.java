package io.outpost.sdk;

/**
 * Gives the bearer token for requests. Called with {@code refresh = true} once after a 401, to fetch a new token
 * (the client then retries once, and reports {@link SyncError.Kind#UNAUTHORIZED} if that is refused too).
 * Runs on the client's threads; may block while it fetches.
 */
@FunctionalInterface
public interface TokenProvider {

    String token(boolean refresh) throws Exception;

    /** A fixed token (no refresh possible). */
    static TokenProvider of(String token) {
        java.util.Objects.requireNonNull(token, "token");
        return refresh -> token;
    }
}
