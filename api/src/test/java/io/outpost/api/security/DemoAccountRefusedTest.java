package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** A configured JWT secret means production: there is no demo account ({@link DemoAccountTest}). */
class DemoAccountRefusedTest extends ServerTest {

    @Autowired
    private JwtSecret secret;

    @Test
    void withAConfiguredSecretTheDemoAccountDoesNotExist() {
        assertThat(secret.generated()).isFalse();
        HttpResponse<String> refused = DemoAccountTest.login(uri("/api/v1/auth/token"), "demo", "demo",
                "10.8.1.1");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        assertThat(parse(refused.body()).path("code").asText()).isEqualTo("unauthorized");
    }
}
