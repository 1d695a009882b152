package io.outpost.sdk;

/** A call that needs the server ({@link SyncClient#conflicts()}, {@link SyncClient#resolve}) did not succeed. */
public final class SyncException extends RuntimeException {

    private final SyncError error;

    public SyncException(SyncError error) {
        super(error.toString());
        this.error = error;
    }

    public SyncError error() {
        return error;
    }
}
