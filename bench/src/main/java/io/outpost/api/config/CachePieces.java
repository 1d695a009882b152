package io.outpost.api.config;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.command.api.MemoryFootprint;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What an op pays the aggregate cache (JMH, {@code -Dbench.which=pieces}, beside OpPieces): Axon's caching repository
 * does a get and then a put per op. The server's {@link LruAggregateCache} (an LRU map, weighed entries) against the
 * Caffeine cache it replaced (W-TinyLFU, same bounds), both holding 40,000 records of ~1.2 KB under a 64 MiB bound, on
 * hits. (The policy matters for which records stay, docs/benchmarks.md "Fifth step"; this measures only its cost.) In
 * this package to reach the cache, which is internal to the server.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CachePieces {

    private static final int RECORDS = 40_000;

    private record Aggregate(long approximateBytes) implements MemoryFootprint {
    }

    private final String[] keys = new String[RECORDS];
    private final Aggregate value = new Aggregate(1_100);
    private LruAggregateCache lru;
    private Cache<Object, Object> caffeine;
    private int next;

    @Setup
    public void setUp() {
        lru = new LruAggregateCache(100_000, 64L << 20, new SimpleMeterRegistry());
        caffeine = Caffeine.newBuilder().maximumWeight(64L << 20)
                .weigher((Object k, Object v) -> (int) LruAggregateCache.weight(v)).build();
        for (int i = 0; i < RECORDS; i++) {
            keys[i] = "bench/dispenses/dev-1-" + i;
            lru.put(keys[i], value);
            caffeine.put(keys[i], value);
        }
    }

    private String key() {
        next = next + 1 == RECORDS ? 0 : next + 1;
        return keys[next];
    }

    @Benchmark
    public Object lruGetAndPut() {
        String key = key();
        Object found = lru.get(key);
        lru.put(key, value);
        return found;
    }

    @Benchmark
    public Object caffeineGetAndPut() {
        String key = key();
        Object found = caffeine.getIfPresent(key);
        caffeine.put(key, value);
        return found;
    }
}
