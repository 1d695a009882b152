package io.outpost.api.config;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.GuavaCacheMetrics;
import io.outpost.command.api.MemoryFootprint;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.axonframework.common.Registration;
import org.axonframework.eventsourcing.AggregateCacheEntry;

/**
 * Axon's aggregate {@link org.axonframework.common.caching.Cache}: a least-recently-used cache (Guava's), bounded both
 * by entries and by bytes: each entry weighs its aggregate's {@link MemoryFootprint} but at least
 * {@code maxBytes / maxEntries}, so the total weight bound {@code maxBytes} also caps the number of entries at
 * {@code maxEntries}. Hit rate, evictions and entries are Micrometer metrics ({@code cache.*{cache=aggregates}}), the
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
 */
final class LruAggregateCache implements org.axonframework.common.caching.Cache {

    static final String NAME = "aggregates";
    private final Cache<Object, Weighed> cache;
    private final long floor;
    private final AtomicLong bytes = new AtomicLong();

    /** A cached value and its weight, fixed when it was put (the aggregate inside may change after that). */
    private record Weighed(Object value, int weight) {
    }

    LruAggregateCache(long maxEntries, long maxBytes, MeterRegistry meters) {
        this.floor = Math.max(1, maxBytes / Math.max(1, maxEntries));
        this.cache = CacheBuilder.newBuilder()
                .maximumWeight(maxEntries == 0 ? 0 : maxBytes)
                .weigher((Object key, Weighed value) -> value.weight())
                // eviction is per segment (each holds maxBytes / concurrencyLevel); a few request threads per core
                .concurrencyLevel(4)
                .removalListener(removed -> bytes.addAndGet(-removed.getValue().weight()))
                .recordStats()
                .build();
        GuavaCacheMetrics.monitor(meters, cache, NAME);
        Gauge.builder("outpost.aggregate.cache.bytes", bytes, AtomicLong::get)
                .description("estimated heap held by cached record aggregates (bounded by outpost.push.aggregate-cache-max-bytes)")
                .baseUnit("bytes").register(meters);
    }

    private Weighed weighed(Object value) {
        Weighed w = new Weighed(value, (int) Math.min(Integer.MAX_VALUE, Math.max(floor, weight(value))));
        bytes.addAndGet(w.weight());
        return w;
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

    /** Entries held now (after pending evictions). */
    long entries() {
        cache.cleanUp();
        return cache.size();
    }

    /** Their total estimated weight (after pending evictions). */
    long weightedBytes() {
        cache.cleanUp();
        return bytes.get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> V get(K key) {
        Weighed w = cache.getIfPresent(key);
        return w == null ? null : (V) w.value();
    }

    @Override
    public void put(Object key, Object value) {
        cache.put(key, weighed(value));
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        Weighed w = weighed(value);
        if (cache.asMap().putIfAbsent(key, w) == null) return true;
        bytes.addAndGet(-w.weight());
        return false;
    }

    @Override
    public boolean remove(Object key) {
        return cache.asMap().remove(key) != null;
    }

    @Override
    public void removeAll() {
        cache.invalidateAll();
    }

    @Override
    public boolean containsKey(Object key) {
        return cache.asMap().containsKey(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
        cache.asMap().computeIfPresent(key, (k, w) -> {
            V updated = update.apply((V) w.value());
            return updated == null ? null : weighed(updated);
        });
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener cacheEntryListener) {
        throw new UnsupportedOperationException("entry listeners are not supported by this cache");
    }
}
