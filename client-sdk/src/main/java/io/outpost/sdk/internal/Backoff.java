package io.outpost.sdk.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter: attempt n (1, 2, …) waits a random time in [d/2, d] where
 * d = min(cap, base · 2^(n-1)) ("equal jitter": never zero, so a fleet does not retry in step).
 */
public record Backoff(Duration base, Duration cap) {

    public Duration delay(int attempt, RandomGenerator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1");
        }
        long capMs = cap.toMillis();
        long d = base.toMillis();
        for (int i = 1; i < attempt && d < capMs; i++) {
            d *= 2;
        }
        d = Math.min(d, capMs);
        long half = d / 2;
        return Duration.ofMillis(half + (d - half == 0 ? 0 : random.nextLong(d - half + 1)));
    }
}
