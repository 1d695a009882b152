package io.outpost.sdk.internal;

import io.outpost.sdk.DataChange;
import io.outpost.sdk.DataListener;
import io.outpost.sdk.Subscription;
import io.outpost.sdk.SyncListener;
import io.outpost.sdk.SyncStatus;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Delivers status and data changes to listeners on one event thread, in order, after the store committed them and
 * outside its lock. A listener that throws is logged and skipped; it cannot stop the others or the sync.
 */
public final class Events implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("io.outpost.sdk.events");

    private record DataSubscriber(String collection, DataListener listener) {
    }

    private final CopyOnWriteArrayList<SyncListener> statusListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<DataSubscriber> dataListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService thread;

    public Events(String name) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "outpost-events-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    public Subscription onStatus(SyncListener listener) {
        statusListeners.add(listener);
        return () -> statusListeners.remove(listener);
    }

    /** {@code collection} null: every collection. */
    public Subscription onData(String collection, DataListener listener) {
        DataSubscriber s = new DataSubscriber(collection, listener);
        dataListeners.add(s);
        return () -> dataListeners.remove(s);
    }

    public void status(SyncStatus status) {
        dispatch(() -> {
            for (SyncListener l : statusListeners) {
                try {
                    l.onStatus(status);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "a SyncListener threw; ignored", e);
                }
            }
        });
    }

    public void data(LocalStore.Touched touched, DataChange.Origin origin) {
        if (touched.isEmpty()) {
            return;
        }
        for (Map.Entry<String, Set<String>> e : touched.ids().entrySet()) {
            DataChange change = new DataChange(e.getKey(), e.getValue(), origin,
                    touched.replacedIds().getOrDefault(e.getKey(), Map.of()));
            dispatch(() -> {
                for (DataSubscriber s : dataListeners) {
                    if (s.collection() == null || s.collection().equals(change.collection())) {
                        try {
                            s.listener().onChange(change);
                        } catch (RuntimeException ex) {
                            LOG.log(Level.WARNING, "a DataListener threw; ignored", ex);
                        }
                    }
                }
            });
        }
    }

    private void dispatch(Runnable r) {
        try {
            thread.execute(r);
        } catch (RejectedExecutionException closed) {
            // closing: nobody is listening any more
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
