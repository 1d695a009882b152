package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** The per-user API limit: a burst of 3, then 429 with Retry-After; other users are not affected. */
@TestPropertySource(properties = {"sync.rate-limit.requests-per-minute=1", "sync.rate-limit.burst=3"})
class RateLimitTest extends ServerTest {

    @Test
    void aUserOverTheLimitGets429AndOthersDoNot() {
        String tenant = anyTenant();
        String busy = token(tenant, "busy", Role.USER);
        for (int i = 0; i < 3; i++) {
            assertThat(get(busy, "/api/v1/sync/status?deviceId=d-busy").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get(busy, "/api/v1/sync/status?deviceId=d-busy");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(parse(limited.body()).path("code").asText()).isEqualTo("rate_limited");
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(get(token(tenant, "calm", Role.USER), "/api/v1/sync/status?deviceId=d-calm").statusCode())
                .isEqualTo(200);
    }
}
