package io.outpost.api.config;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.outpost.command.api.MemoryFootprint;
import java.util.function.UnaryOperator;
import org.axonframework.common.Registration;
import org.axonframework.eventsourcing.AggregateCacheEntry;

/**
 * Axon's aggregate {@link org.axonframework.common.caching.Cache} on a Caffeine cache bounded both by entries and by
 * bytes: each entry weighs its aggregate's {@link MemoryFootprint} but at least {@code maxBytes / maxEntries}, so the
 * total weight bound {@code maxBytes} also caps the number of entries at {@code maxEntries}. (Axon's own
 * {@code WeakReferenceCache} loses its entries at every garbage collection, which under load is every few hundred
 * milliseconds.) Hit rate, evictions, entries and weight are Micrometer metrics ({@code cache.*{cache=aggregates}},
 * {@code outpost.aggregate.cache.bytes}). Entry listeners are not supported; Axon's caching repository registers none.
 */
final class CaffeineAggregateCache implements org.axonframework.common.caching.Cache {

    static final String NAME = "aggregates";
    private final Cache<Object, Object> cache;

    CaffeineAggregateCache(long maxEntries, long maxBytes, MeterRegistry meters) {
        long floor = Math.max(1, maxBytes / Math.max(1, maxEntries));
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxEntries == 0 ? 0 : maxBytes)
                .weigher((Object key, Object value) -> (int) Math.min(Integer.MAX_VALUE, Math.max(floor, weight(value))))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(meters, cache, NAME);
        Gauge.builder("outpost.aggregate.cache.bytes", cache,
                        c -> c.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L))
                .description("estimated heap held by cached record aggregates (bounded by outpost.push.aggregate-cache-max-bytes)")
                .baseUnit("bytes").register(meters);
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
        return cache.estimatedSize();
    }

    /** Their total weight, the estimated bytes (after pending evictions). */
    long weightedBytes() {
        cache.cleanUp();
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> V get(K key) {
        return (V) cache.getIfPresent(key);
    }

    @Override
    public void put(Object key, Object value) {
        cache.put(key, value);
    }

    @Override
    public boolean putIfAbsent(Object key, Object value) {
        return cache.asMap().putIfAbsent(key, value) == null;
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
        cache.asMap().computeIfPresent(key, (k, v) -> update.apply((V) v));
    }

    @Override
    public Registration registerCacheEntryListener(EntryListener cacheEntryListener) {
        throw new UnsupportedOperationException("entry listeners are not supported by this cache");
    }
}
