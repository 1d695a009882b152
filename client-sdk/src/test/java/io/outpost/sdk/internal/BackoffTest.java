package io.outpost.sdk.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(60));

    @Test
    void eachAttemptWaitsBetweenHalfAndAllOfTheDoubledDelay() {
        SplittableRandom random = new SplittableRandom(7);
        for (int attempt = 1; attempt <= 5; attempt++) {
            long full = 2000L << (attempt - 1);
            for (int i = 0; i < 200; i++) {
                assertThat(backoff.delay(attempt, random).toMillis()).isBetween(full / 2, full);
            }
        }
    }

    @Test
    void theDelayStopsGrowingAtTheCap() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.delay(40, random).toMillis()).isBetween(30_000L, 60_000L);
        }
    }

    @Test
    void jitterSpreadsAFleet() {
        SplittableRandom random = new SplittableRandom(7);
        long distinct = java.util.stream.IntStream.range(0, 100).mapToObj(i -> backoff.delay(3, random)).distinct()
                .count();
        assertThat(distinct).isGreaterThan(50);
    }
}
