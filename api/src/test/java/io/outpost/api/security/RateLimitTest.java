package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.api.support.ServerTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The per-user API limit: a burst of 3, then 429 with Retry-After; other users are not affected; a refusal is a
 * {@code rate_limited} security event.
 */
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

    @Test
    void aRefusalIsASecurityEventOfTheUsersTenant() {
        String tenant = anyTenant();
        String busy = token(tenant, "busy", Role.USER);
        HttpResponse<String> last = null;
        for (int i = 0; i < 4; i++) last = get(busy, "/api/v1/sync/status?deviceId=d-busy");
        assertThat(last.statusCode()).isEqualTo(429);
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject("SELECT count(*) FROM security_events "
                + "WHERE tenant = ? AND type = 'rate_limited'", Long.class, tenant) == 1);
        // the admin has a bucket of its own (a burst of 3): one call
        JsonNode page = parse(get(token(tenant, "boss", Role.ADMIN), "/api/v1/admin/security-events").body());
        assertThat(page.path("events")).hasSize(1);
        JsonNode event = page.path("events").get(0);
        assertThat(event.path("type").asText()).isEqualTo("rate_limited");
        assertThat(event.path("userId").asText()).isEqualTo("busy");
        assertThat(event.path("tenant").asText()).isEqualTo(tenant);
        assertThat(event.path("endpoint").asText()).isEqualTo("GET /api/v1/sync/status");
        assertThat(event.path("reason").asText()).contains("requests-per-minute");
    }
}
