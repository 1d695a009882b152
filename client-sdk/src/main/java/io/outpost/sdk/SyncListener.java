package io.outpost.sdk;

/**
 * Told of every status change. Runs on the client's event thread, never under the store's lock; it must be fast and
 * must not throw (a throw is logged and ignored).
 */
@FunctionalInterface
public interface SyncListener {

    void onStatus(SyncStatus status);

    SyncListener NONE = status -> { };
}
