package io.outpost.sdk;

/**
 * Told when records change, to refresh a list. Runs on the client's event thread after the change is committed,
 * never under the store's lock; it must be fast and must not throw (a throw is logged and ignored).
 */
@FunctionalInterface
public interface DataListener {

    void onChange(DataChange change);

    DataListener NONE = change -> { };
}
