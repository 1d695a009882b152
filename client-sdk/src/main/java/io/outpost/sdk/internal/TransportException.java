package io.outpost.sdk.internal;

import io.outpost.sdk.SyncError;
import java.time.Duration;
import java.util.Optional;

/** A request that did not get a 2xx answer: what went wrong and, for 429/503, when to come back. */
public final class TransportException extends Exception {

    private final SyncError error;
    private final Optional<Duration> retryAfter;

    TransportException(SyncError error, Optional<Duration> retryAfter, Throwable cause) {
        super(error.toString(), cause);
        this.error = error;
        this.retryAfter = retryAfter;
    }

    public SyncError error() {
        return error;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
