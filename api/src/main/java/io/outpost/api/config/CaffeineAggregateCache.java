package io.outpost.api.config;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.UnaryOperator;
import org.axonframework.common.Registration;

/**
 * Axon's aggregate {@link org.axonframework.common.caching.Cache} on a size-bounded Caffeine cache. (Axon's own
 * {@code WeakReferenceCache} loses its entries at every garbage collection, which under load is every few hundred
 * milliseconds.) Entry listeners are not supported; Axon's caching repository registers none.
 */
final class CaffeineAggregateCache implements org.axonframework.common.caching.Cache {

    private final Cache<Object, Object> cache;

    CaffeineAggregateCache(long maximumSize) {
        this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
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
