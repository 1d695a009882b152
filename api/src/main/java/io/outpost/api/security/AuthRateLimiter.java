package io.outpost.api.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.outpost.api.config.SyncProperties;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * {@code sync.rate-limit.auth-per-minute} token attempts per client address (Bucket4j), 0 disables. Per node: the
 * limit slows password guessing; a guesser spread over N nodes gets N times the rate (documented).
 */
@Component
class AuthRateLimiter {

    private final int perMinute;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(10)).build();

    AuthRateLimiter(SyncProperties sync) {
        this.perMinute = sync.rateLimit().authPerMinute();
    }

    /** 0 when allowed, else the seconds to wait. */
    long tryAcquire(String clientAddress) {
        if (perMinute <= 0) return 0;
        Bucket bucket = buckets.get(clientAddress, a -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1))
                        .build()).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds());
    }
}
