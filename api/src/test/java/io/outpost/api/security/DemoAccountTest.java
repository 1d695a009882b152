package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Development mode (no {@code sync.security.jwt.secret}, so the embedded default generates one): a newcomer signs in
 * on the Sync Control page as {@code demo} / {@code demo}; the start-up message says so. The refusal with a
 * configured secret is {@link DemoAccountRefusedTest}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "sync.security.jwt.secret=")
@ExtendWith(OutputCaptureExtension.class)
// an external database needs a configured secret (StartupChecks), so development mode only exists embedded
@DisabledIfEnvironmentVariable(named = "SPRING_DATASOURCE_URL", matches = ".+")
class DemoAccountTest extends ServerTest {

    @Autowired
    private JwtSecret secret;

    static HttpResponse<String> login(URI tokenEndpoint, String username, String password, String clientAddress) {
        return send(HttpRequest.newBuilder(tokenEndpoint)
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", clientAddress)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}")));
    }

    private HttpResponse<String> login(String username, String password, String clientAddress) {
        return login(uri("/api/v1/auth/token"), username, password, clientAddress);
    }

    @Test
    void withAGeneratedSecretTheDemoAccountSignsInAsUserAndAdminOfTenantDemo() {
        assertThat(secret.generated()).isTrue();
        HttpResponse<String> ok = login("demo", "demo", "10.8.0.1");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String token = parse(ok.body()).path("accessToken").asText();
        SyncPrincipal principal = jwt.verify(token);
        assertThat(principal.tenant()).isEqualTo("demo");
        assertThat(principal.userId()).isEqualTo("demo");
        assertThat(principal.roles()).containsExactlyInAnyOrder(Role.USER, Role.ADMIN);
        assertThat(get(token, "/api/v1/sync/status?deviceId=demo-page-test").statusCode()).isEqualTo(200);
        assertThat(get(token, "/api/v1/admin/stats").statusCode()).isEqualTo(200);

        assertThat(login("demo", "wrong", "10.8.0.2").statusCode()).isEqualTo(401);
        // the configured accounts are still there
        assertThat(login("nurse1", "nurse-password-1", "10.8.0.3").statusCode()).isEqualTo(200);
    }

    @Test
    void theStartUpMessageNamesThePageAndTheDemoAccount(CapturedOutput output) {
        assertThat(output.getAll()).contains("http://localhost:" + port + "/app/")
                .contains("sign in as demo / demo");
    }
}
