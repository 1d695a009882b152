package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.command.api.MemoryFootprint;
import org.junit.jupiter.api.Test;

class CaffeineAggregateCacheTest {

    private record Sized(long approximateBytes) implements MemoryFootprint {
    }

    @Test
    void boundsTheEstimatedBytesOfLargeAggregates() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CaffeineAggregateCache cache = new CaffeineAggregateCache(1_000, 1_000_000, meters);
        for (int i = 0; i < 100; i++) cache.put("big-" + i, new Sized(100_000));

        assertThat(cache.weightedBytes()).isLessThanOrEqualTo(1_000_000);
        assertThat(cache.entries()).isBetween(1L, 10L);
        assertThat(meters.get("outpost.aggregate.cache.bytes").gauge().value()).isLessThanOrEqualTo(1_000_000);
    }

    @Test
    void boundsTheEntriesOfSmallAggregates() {
        CaffeineAggregateCache cache = new CaffeineAggregateCache(50, 64_000_000, new SimpleMeterRegistry());
        for (int i = 0; i < 500; i++) cache.put("small-" + i, new Sized(10));

        assertThat(cache.entries()).isLessThanOrEqualTo(50);
        assertThat(cache.entries()).isGreaterThan(0);
    }

    @Test
    void sizeZeroKeepsNothing() {
        CaffeineAggregateCache cache = new CaffeineAggregateCache(0, 64_000_000, new SimpleMeterRegistry());
        cache.put("a", new Sized(10));

        assertThat(cache.entries()).isZero();
        assertThat((Object) cache.get("a")).isNull();
    }

    @Test
    void countsHitsAndMisses() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CaffeineAggregateCache cache = new CaffeineAggregateCache(10, 1_000_000, meters);
        cache.put("a", new Sized(10));
        cache.get("a");
        cache.get("b");

        assertThat(meters.get("cache.gets").tag("cache", "aggregates").tag("result", "hit").functionCounter().count())
                .isEqualTo(1.0);
        assertThat(meters.get("cache.gets").tag("cache", "aggregates").tag("result", "miss").functionCounter().count())
                .isEqualTo(1.0);
    }
}
