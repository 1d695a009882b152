package io.outpost.api.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import io.outpost.command.api.MemoryFootprint;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.axonframework.common.Registration;
import org.axonframework.eventsourcing.AggregateCacheEntry;

/**
 * Axon's aggregate {@link org.axonframework.common.caching.Cache}: a least-recently-used cache (the JDK's
 * access-ordered {@link LinkedHashMap} behind one lock), bounded both by entries and by bytes: each entry weighs its
 * aggregate's {@link MemoryFootprint} but at least {@code maxBytes / maxEntries}, so the total weight bound
 * {@code maxBytes} also caps the number of entries at {@code maxEntries}. Hit rate, evictions and entries are Micrometer metrics ({@code cache.*{cache=aggregates}}), the
 * estimated bytes {@code outpost.aggregate.cache.bytes}. Entry listeners are not supported; Axon's caching repository
 * registers none.
 *
 * <p>Why recency and not Caffeine's frequency-based admission (W-TinyLFU): the record an op updates is most often
 * one created or changed shortly before (a device edits what it just made; an import creates, then fixes up). Once
 * the cache is full, TinyLFU admits a new entry only if it was used more often than the entry it would evict, and a
 * record just created has been used once: under the push benchmark's load (each push updates the records the
 * device's previous push created) it turned away nearly every new record, and 74 % of the updates read their event
 * stream from the database, against none with this policy (docs/benchmarks.md). A hot record stays recent by being
 * used. (Axon's own {@code WeakReferenceCache} loses its entries at every garbage collection.)
 *
 * <p>Why not Guava's LRU any more (it was, until 2026-12-06): its get and put were 4–5 % of the push threads' CPU in
 * the push benchmark's profile (a weigher, a removal listener, recency queues drained per segment, statistics), for
 * two calls per op; and it evicted per segment (a quarter of the bound each), not the least recently used of all. One
 * lock is enough here: at most {@code outpost.push.max-concurrent} pushes use the cache at once, for a map operation
 * each time (an entry's weight is estimated outside it).
 */
final class LruAggregateCache implements org.axonframework.common.caching.Cache {

    static final String NAME = "aggregates";
    private final long maxWeight;
    private final long floor;
    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}, as are the figures below. */
    private final LinkedHashMap<Object, Weighed> map = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;
    private long puts;
    private long evictions;

    /** A cached value and its weight, fixed when it was put (the aggregate inside may change after that). */
    private record Weighed(Object value, int weight) {
    }

    LruAggregateCache(long maxEntries, long maxBytes, MeterRegistry meters) {
        this.floor = Math.max(1, maxBytes / Math.max(1, maxEntries));
        this.maxWeight = maxEntries == 0 ? 0 : maxBytes;
        new Metrics(this).bindTo(meters);
        Gauge.builder("outpost.aggregate.cache.bytes", this, LruAggregateCache::weightedBytes)
                .description("estimated heap held by cached record aggregates (bounded by outpost.push.aggregate-cache-max-bytes)")
                .baseUnit("bytes").register(meters);
    }

    private Weighed weighed(Object value) {
        return new Weighed(value, (int) Math.min(Integer.MAX_VALUE, Math.max(floor, weight(value))));
    }

    /** The aggregate's own estimate, plus the cache entry and key around it. */
    static long weight(Object value) {
        Object root = value;
        if (value instanceof AggregateCacheEntry<?> entry) {
            try {
                // the entry keeps the live aggregate it was made from; with it, recreating needs none of the arguments
                root = entry.recreateAggregate(null, null, null, null).getAggregateRoot();
            } catch (RuntimeException e) {
                root = null;
            }
        }
        return 128 + (root instanceof MemoryFootprint footprint ? footprint.approximateBytes() : 1024);
    }

    private <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /** Entries held now. */
    long entries() {
        return locked(() -> (long) map.size());
    }

    /** Their total estimated weight. */
    long weightedBytes() {
        return locked(() -> bytes);
    }

    /** Under the lock: puts {@code w}, then evicts the least recently used entries until the bound holds. */
    private Void store(Object key, Weighed w) {
        Weighed old = map.put(key, w);
        bytes += w.weight() - (old == null ? 0 : old.weight());
        puts++;
        for (Iterator<Map.Entry<Object, Weighed>> eldest = map.entrySet().iterator();
             bytes > maxWeight && eldest.hasNext(); ) {
            bytes -= eldest.next().getValue().weight();
            eldest.remove();
            evictions++;
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> V get(K key) {
        lock.lock();
        try {
            Weighed w = map.get(key);
            if (w == null) misses++;
            else hits++;
            return w == null ? null : (V) w.value();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void put(Object key, Object value) {
        Weighed w = weighed(value);
        locked(() -> store(key, w));
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        Weighed w = weighed(value);
        return locked(() -> {
            if (map.containsKey(key)) return false;
            store(key, w);
            return true;
        });
    }

    @Override
    public boolean remove(Object key) {
        return locked(() -> {
            Weighed old = map.remove(key);
            if (old != null) bytes -= old.weight();
            return old != null;
        });
    }

    @Override
    public void removeAll() {
        locked(() -> {
            map.clear();
            bytes = 0;
            return null;
        });
    }

    @Override
    public boolean containsKey(Object key) {
        return locked(() -> map.containsKey(key));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        locked(() -> {
            Weighed w = map.get(key);
            if (w == null) return null;
            V updated = update.apply((V) w.value());
            if (updated == null) {
                map.remove(key);
                bytes -= w.weight();
            } else {
                store(key, weighed(updated));
            }
            return null;
        });
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener cacheEntryListener) {
        throw new UnsupportedOperationException("entry listeners are not supported by this cache");
    }

    /** Micrometer's cache meters ({@code cache.gets}, {@code cache.puts}, {@code cache.evictions}, {@code cache.size}). */
    private static final class Metrics extends CacheMeterBinder<LruAggregateCache> {

        Metrics(LruAggregateCache cache) {
            super(cache, NAME, Tags.empty());
        }

        @Override
        protected Long size() {
            LruAggregateCache c = getCache();
            return c == null ? null : c.entries();
        }

        @Override
        protected long hitCount() {
            LruAggregateCache c = getCache();
            return c == null ? 0 : c.locked(() -> c.hits);
        }

        @Override
        protected Long missCount() {
            LruAggregateCache c = getCache();
            return c == null ? null : c.locked(() -> c.misses);
        }

        @Override
        protected Long evictionCount() {
            LruAggregateCache c = getCache();
            return c == null ? null : c.locked(() -> c.evictions);
        }

        @Override
        protected long putCount() {
            LruAggregateCache c = getCache();
            return c == null ? 0 : c.locked(() -> c.puts);
        }

        @Override
        protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
        }
    }
}
