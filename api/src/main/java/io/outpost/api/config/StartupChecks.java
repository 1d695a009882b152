package io.outpost.api.config;

import java.nio.charset.StandardCharsets;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses to start, before any bean or database connection is made, when the JWT secret is unusable: shorter than
 * 32 bytes, or missing while an external database is configured (only the embedded default may generate one). Also
 * turns Axon's update checker off: the server makes no outbound calls.
 * Registered in META-INF/spring.factories.
 */
public class StartupChecks implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    static final int MIN_SECRET_BYTES = 32;

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        check(event.getEnvironment());
    }

    static void check(ConfigurableEnvironment env) {
        // Axon's update checker (started by an auto-loaded configurer module too) would phone home at start.
        if (System.getProperty("axoniq.update-checker.disabled") == null) {
            System.setProperty("axoniq.update-checker.disabled", "true");
        }
        if (System.getProperty("disable-axoniq-console-message") == null) {
            System.setProperty("disable-axoniq-console-message", "true");
        }
        String secret = env.getProperty("sync.security.jwt.secret");
        if (secret != null && !secret.isBlank()) {
            int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
            if (bytes < MIN_SECRET_BYTES) {
                throw new IllegalStateException("Refusing to start: sync.security.jwt.secret (SYNC_JWT_SECRET) must "
                        + "be at least " + MIN_SECRET_BYTES + " bytes; the configured one has " + bytes);
            }
        } else if (!EmbeddedPostgresConfiguration.embedded(env)) {
            throw new IllegalStateException("Refusing to start: SYNC_JWT_SECRET (sync.security.jwt.secret) is "
                    + "required with an external database (spring.datasource.url is set). Set it to a random string "
                    + "of at least " + MIN_SECRET_BYTES + " bytes, e.g. the output of `openssl rand -base64 48`.");
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
