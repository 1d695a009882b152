package io.outpost.api.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.outpost.api.config.SyncProperties;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code sync.rate-limit.requests-per-minute} (refill) and {@code burst} (capacity): a Bucket4j token bucket per
 * authenticated user (tenant + sub); over it, 429 {@code rate_limited} with {@code Retry-After}. Per node, on
 * purpose: a shared (database) bucket would add a round trip to every request; with N nodes a user can reach N times
 * the limit only when the load balancer spreads one user's requests over nodes, so set the per-node limit to the
 * share you want each node to allow (docs/security.md).
 */
class UserRateLimitFilter extends OncePerRequestFilter {

    private final int perMinute;
    private final int burst;
    private final ObjectMapper mapper;
    private final SecurityEvents events;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(1_000_000)
            .expireAfterAccess(Duration.ofMinutes(30)).build();

    UserRateLimitFilter(SyncProperties.RateLimit limits, ObjectMapper mapper, SecurityEvents events) {
        this.perMinute = limits.requestsPerMinute();
        this.burst = limits.burst();
        this.mapper = mapper;
        this.events = events;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (perMinute > 0 && auth != null && auth.getPrincipal() instanceof SyncPrincipal p) {
            Bucket bucket = buckets.get(p.tenant() + "\n" + p.userId(), k -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(burst).refillGreedy(perMinute, Duration.ofMinutes(1))
                            .build()).build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds());
                events.record(SecurityEvents.Type.RATE_LIMITED, request, p.tenant(), p.userId(), null,
                        "over sync.rate-limit.requests-per-minute / burst for this user");
                response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
                Problems.write(request, response, mapper, ErrorCode.RATE_LIMITED,
                        "more than " + perMinute + " requests a minute; retry in " + seconds + " s");
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
