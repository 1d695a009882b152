package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code POST /auth/token} for configured accounts ({@code sync.users} in the test profile). */
class AuthTokenTest extends ServerTest {

    /** Each test comes from its own client address, so their rate limits do not meet. */
    private final String clientAddress = "10.9." + (UUID.randomUUID().hashCode() & 0xff) + "."
            + (UUID.randomUUID().hashCode() & 0xff);

    private HttpResponse<String> login(String body) {
        return send(HttpRequest.newBuilder(uri("/api/v1/auth/token"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", clientAddress)
                .POST(HttpRequest.BodyPublishers.ofString(json(body))));
    }

    @Test
    void aConfiguredAccountGetsATokenThatWorksAndWrongCredentialsDoNot() {
        HttpResponse<String> ok = login("{'username':'nurse1','password':'nurse-password-1'}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        JsonNode token = parse(ok.body());
        assertThat(token.path("tokenType").asText()).isEqualTo("Bearer");
        assertThat(token.path("expiresIn").asLong()).isEqualTo(24 * 3600);
        SyncPrincipal principal = jwt.verify(token.path("accessToken").asText());
        assertThat(principal.tenant()).isEqualTo("clinic-a");
        assertThat(principal.userId()).isEqualTo("nurse1");
        assertThat(principal.roles()).containsExactly(Role.USER);
        assertThat(get(token.path("accessToken").asText(), "/api/v1/sync/status?deviceId=d-1").statusCode())
                .isEqualTo(200);

        HttpResponse<String> wrong = login("{'username':'nurse1','password':'guess'}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(parse(wrong.body()).path("code").asText()).isEqualTo("unauthorized");
        assertThat(login("{'username':'nobody','password':'guess'}").statusCode()).isEqualTo(401);
        assertThat(login("{'username':'nurse1'}").statusCode()).isEqualTo(400);
    }

    @Test
    void tooManyAttemptsFromOneAddressAreRateLimited() {
        HttpResponse<String> last = null;
        for (int i = 0; i < 10; i++) {
            last = login("{'username':'nobody','password':'x'}");
            if (last.statusCode() == 429) break;
        }
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(parse(last.body()).path("code").asText()).isEqualTo("rate_limited");
        assertThat(last.headers().firstValue("Retry-After")).isPresent();
    }
}
