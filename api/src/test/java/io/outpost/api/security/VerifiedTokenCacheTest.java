package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.api.config.OutpostProperties;
import io.outpost.api.config.SyncProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** JwtService's cache of verified tokens: used only while the token is valid, never for a refused one, bounded. */
class VerifiedTokenCacheTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-verified-cache";

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-05T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final MovableClock clock = new MovableClock();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private JwtService service(DataSize maxBytes, Duration ttl) {
        SyncProperties sync = new SyncProperties(
                new SyncProperties.Security(new SyncProperties.Jwt(SECRET, Duration.ofHours(24), null, null)),
                Map.of(), true, new SyncProperties.RateLimit(600, 100, 20), List.of());
        OutpostProperties outpost = new OutpostProperties("./data", new OutpostProperties.EmbeddedPostgres(false, 0),
                new OutpostProperties.Push(8, 100000, DataSize.ofMegabytes(64), 100, 0,
                        new OutpostProperties.Push.Results(true, 10000, Duration.ofDays(30), 1000,
                                Duration.ofMinutes(10))),
                new OutpostProperties.Tokens(maxBytes, ttl));
        return new JwtService(new JwtSecret(sync, outpost), sync, clock, new ExternalKeys(sync, clock), outpost,
                meters);
    }

    private double gets(String result) {
        var counter = meters.find("cache.gets").tag("cache", "verifiedTokens").tag("result", result)
                .functionCounter();
        return counter == null ? 0 : counter.count();
    }

    private static SyncPrincipal nurse() {
        return new SyncPrincipal("clinic-a", "nurse-1", Set.of(Role.USER));
    }

    @Test
    void aVerifiedTokenIsServedFromTheCacheUntilItExpires() {
        JwtService jwt = service(DataSize.ofMegabytes(1), Duration.ofHours(1));
        String token = jwt.issue(nurse(), Duration.ofMinutes(10));

        assertThat(jwt.verify(token).userId()).isEqualTo("nurse-1");
        assertThat(jwt.verify(token).tenant()).isEqualTo("clinic-a");
        assertThat(gets("miss")).isEqualTo(1);
        assertThat(gets("hit")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(10).plusSeconds(JwtService.SKEW_SECONDS - 1));
        assertThat(jwt.verify(token).userId()).as("still within exp + skew").isEqualTo("nurse-1");
        clock.advance(Duration.ofSeconds(2));
        assertThatThrownBy(() -> jwt.verify(token)).isInstanceOf(JwtService.InvalidTokenException.class)
                .satisfies(e -> assertThat(((JwtService.InvalidTokenException) e).reason()).isEqualTo("expired"));
    }

    @Test
    void aVerificationIsReusedForAtMostTheTimeToLive() {
        JwtService jwt = service(DataSize.ofMegabytes(1), Duration.ofMinutes(5));
        String token = jwt.issue(nurse(), Duration.ofHours(1));
        jwt.verify(token);
        jwt.verify(token);
        assertThat(gets("miss")).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        jwt.verify(token);
        assertThat(gets("miss")).as("verified again after the time to live").isEqualTo(2);
    }

    @Test
    void refusedTokensAreNeverRemembered() {
        JwtService jwt = service(DataSize.ofMegabytes(1), Duration.ofHours(1));
        String token = jwt.issue(nurse(), Duration.ofMinutes(10));
        String forged = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> jwt.verify(forged)).isInstanceOf(JwtService.InvalidTokenException.class);
        }
        assertThat(gets("hit")).isZero();
        assertThat(gets("miss")).as("each attempt checked again").isEqualTo(3);
    }

    @Test
    void theCacheIsBoundedInBytesAndCanBeTurnedOff() {
        JwtService bounded = service(DataSize.ofKilobytes(16), Duration.ofHours(1));
        for (int i = 0; i < 200; i++) {
            bounded.verify(bounded.issue(new SyncPrincipal("clinic-a", "user-" + i, Set.of(Role.USER))));
        }
        var size = meters.find("cache.size").tag("cache", "verifiedTokens").gauge();
        assertThat(size).isNotNull();
        // Caffeine evicts by weight in its maintenance, which runs after the writes on another thread: the bound
        // holds once that has run, not at the instant of the last put
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(size.value())
                .as("entries of roughly 700 bytes within 16 KiB").isLessThanOrEqualTo(16 * 1024 / 400.0));

        SimpleMeterRegistry fresh = new SimpleMeterRegistry();
        OutpostProperties off = new OutpostProperties("./data", new OutpostProperties.EmbeddedPostgres(false, 0),
                new OutpostProperties.Push(8, 100000, DataSize.ofMegabytes(64), 100, 0,
                        new OutpostProperties.Push.Results(true, 10000, Duration.ofDays(30), 1000,
                                Duration.ofMinutes(10))),
                new OutpostProperties.Tokens(DataSize.ofBytes(0), Duration.ofHours(1)));
        SyncProperties sync = new SyncProperties(
                new SyncProperties.Security(new SyncProperties.Jwt(SECRET, Duration.ofHours(24), null, null)),
                Map.of(), true, new SyncProperties.RateLimit(600, 100, 20), List.of());
        JwtService none = new JwtService(new JwtSecret(sync, off), sync, clock, new ExternalKeys(sync, clock), off,
                fresh);
        String token = none.issue(nurse());
        assertThat(none.verify(token).userId()).isEqualTo("nurse-1");
        assertThat(fresh.find("cache.gets").functionCounters()).as("no cache, no cache metrics").isEmpty();
    }
}
