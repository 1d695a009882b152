package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.config.OutpostProperties;
import io.outpost.api.config.SyncProperties;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The development demo account: only with a generated secret, and never over a configured account named demo. */
class AccountStoreTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-account-store";
    private static final String NURSE = "{bcrypt}$2a$10$G6QCkP.oDgMGaKqc/6.R9u6B//Fp19YBAEVCGLt/acGwRN7J/XUWm";

    private static AccountStore store(String secret, SyncProperties.UserAccount... users) {
        SyncProperties sync = new SyncProperties(
                new SyncProperties.Security(new SyncProperties.Jwt(secret, Duration.ofHours(24), null, null)),
                Map.of(), true, new SyncProperties.RateLimit(600, 100, 20), List.of(users));
        OutpostProperties outpost = new OutpostProperties("./data", new OutpostProperties.EmbeddedPostgres(false, 0),
                new OutpostProperties.Push(8, 100000, org.springframework.util.unit.DataSize.ofMegabytes(64), 100, 0,
                        new OutpostProperties.Push.Results(true, 10000, java.time.Duration.ofDays(30), 1000, java.time.Duration.ofMinutes(10))),
                new OutpostProperties.Tokens(org.springframework.util.unit.DataSize.ofMegabytes(4), Duration.ofMinutes(5)));
        return new AccountStore(sync, new JwtSecret(sync, outpost));
    }

    @Test
    void aGeneratedSecretAddsTheDemoAccount() {
        AccountStore store = store(null);
        assertThat(store.demoAccount()).isTrue();
        assertThat(store.authenticate("demo", "demo")).hasValueSatisfying(p -> {
            assertThat(p.tenant()).isEqualTo("demo");
            assertThat(p.userId()).isEqualTo("demo");
            assertThat(p.roles()).containsExactlyInAnyOrder(Role.USER, Role.ADMIN);
        });
        assertThat(store.authenticate("demo", "Demo")).isEmpty();
    }

    @Test
    void aConfiguredSecretMeansNoDemoAccount() {
        AccountStore store = store(SECRET);
        assertThat(store.demoAccount()).isFalse();
        assertThat(store.authenticate("demo", "demo")).isEmpty();
    }

    @Test
    void aConfiguredAccountNamedDemoIsKeptAsConfigured() {
        AccountStore store = store(null, new SyncProperties.UserAccount("demo", NURSE, "clinic-a", List.of("user")));
        assertThat(store.demoAccount()).isFalse();
        assertThat(store.authenticate("demo", "demo")).isEmpty();
        assertThat(store.authenticate("demo", "nurse-password-1")).hasValueSatisfying(
                p -> assertThat(p.tenant()).isEqualTo("clinic-a"));
    }
}
