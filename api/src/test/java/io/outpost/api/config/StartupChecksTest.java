package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class StartupChecksTest {

    private static final String LONG_SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void anExternalDatabaseWithoutASecretRefusesToStart() {
        MockEnvironment env = new MockEnvironment().withProperty("spring.datasource.url", "jdbc:postgresql://db/x");
        assertThatThrownBy(() -> StartupChecks.check(env)).hasMessageContaining("SYNC_JWT_SECRET")
                .hasMessageContaining("external database");
    }

    @Test
    void aShortSecretRefusesToStartEvenEmbedded() {
        MockEnvironment env = new MockEnvironment().withProperty("sync.security.jwt.secret", "too-short");
        assertThatThrownBy(() -> StartupChecks.check(env)).hasMessageContaining("at least 32 bytes")
                .hasMessageContaining("has 9");
    }

    @Test
    void theEmbeddedDefaultMayGoWithoutASecret() {
        assertThatCode(() -> StartupChecks.check(new MockEnvironment())).doesNotThrowAnyException();
    }

    @Test
    void anExternalDatabaseWithALongEnoughSecretStarts() {
        MockEnvironment env = new MockEnvironment().withProperty("spring.datasource.url", "jdbc:postgresql://db/x")
                .withProperty("sync.security.jwt.secret", LONG_SECRET);
        assertThatCode(() -> StartupChecks.check(env)).doesNotThrowAnyException();
    }
}
