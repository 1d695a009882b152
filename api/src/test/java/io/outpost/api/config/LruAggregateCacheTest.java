package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.command.api.MemoryFootprint;
import org.junit.jupiter.api.Test;

class LruAggregateCacheTest {

    private record Sized(long approximateBytes) implements MemoryFootprint {
    }

    @Test
    void boundsTheEstimatedBytesOfLargeAggregates() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        LruAggregateCache cache = new LruAggregateCache(1_000, 1_000_000, meters);
        for (int i = 0; i < 100; i++) cache.put("big-" + i, new Sized(100_000));

        assertThat(cache.weightedBytes()).isLessThanOrEqualTo(1_000_000);
        assertThat(cache.entries()).isBetween(1L, 10L);
        assertThat(meters.get("outpost.aggregate.cache.bytes").gauge().value()).isLessThanOrEqualTo(1_000_000);
    }

    @Test
    void boundsTheEntriesOfSmallAggregates() {
        LruAggregateCache cache = new LruAggregateCache(50, 64_000_000, new SimpleMeterRegistry());
        for (int i = 0; i < 500; i++) cache.put("small-" + i, new Sized(10));

        assertThat(cache.entries()).isLessThanOrEqualTo(50);
        assertThat(cache.entries()).isGreaterThan(0);
    }

    /**
     * The load that made us leave Caffeine's W-TinyLFU: a full cache of records used twice each (created, then
     * updated), then a stream of new records, each updated again a few thousand puts after its creation. Recency keeps
     * them all; TinyLFU turned most of them away at admission (used once, less than the entries they would replace).
     */
    @Test
    void keepsTheRecordJustCreatedWhenFullOfOlderOnesUsedMoreOften() {
        LruAggregateCache cache = new LruAggregateCache(100_000, 10_000L * 1_000, new SimpleMeterRegistry());
        for (int i = 0; i < 20_000; i++) {
            cache.put("old-" + i, new Sized(1_000));
            cache.get("old-" + i);
            cache.put("old-" + i, new Sized(1_000));
        }
        int hits = 0;
        for (int i = 0; i < 20_000; i++) {
            cache.put("new-" + i, new Sized(1_000));
            if (i >= 3_000) {
                String earlier = "new-" + (i - 3_000);
                if (cache.get(earlier) != null) hits++;
                cache.put(earlier, new Sized(1_000));
            }
        }
        assertThat(hits).isEqualTo(17_000);
    }

    @Test
    void tracksTheBytesOfReplacedAndRemovedEntries() {
        LruAggregateCache cache = new LruAggregateCache(1_000, 1_000_000, new SimpleMeterRegistry());
        cache.put("a", new Sized(5_000));
        cache.put("a", new Sized(7_000));
        cache.put("b", new Sized(3_000));
        assertThat(cache.weightedBytes()).isEqualTo(128 + 7_000 + 128 + 3_000);

        cache.remove("a");
        assertThat(cache.weightedBytes()).isEqualTo(128 + 3_000);
        assertThat(cache.putIfAbsent("b", new Sized(9_000))).isFalse();
        cache.computeIfPresent("b", v -> new Sized(4_000));
        assertThat(cache.weightedBytes()).isEqualTo(128 + 4_000);
        cache.removeAll();
        assertThat(cache.weightedBytes()).isZero();
    }

    @Test
    void sizeZeroKeepsNothing() {
        LruAggregateCache cache = new LruAggregateCache(0, 64_000_000, new SimpleMeterRegistry());
        cache.put("a", new Sized(10));

        assertThat(cache.entries()).isZero();
        assertThat((Object) cache.get("a")).isNull();
    }

    @Test
    void countsHitsAndMisses() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        LruAggregateCache cache = new LruAggregateCache(10, 1_000_000, meters);
        cache.put("a", new Sized(10));
        cache.get("a");
        cache.get("b");

        assertThat(meters.get("cache.gets").tag("cache", "aggregates").tag("result", "hit").functionCounter().count())
                .isEqualTo(1.0);
        assertThat(meters.get("cache.gets").tag("cache", "aggregates").tag("result", "miss").functionCounter().count())
                .isEqualTo(1.0);
    }
}
