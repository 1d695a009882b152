package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.config.SyncProperties;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code sync.security.events.retention}: 90 days unless set; a bad value stops the start naming the property. */
class SecurityEventsRetentionPropertyTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SyncProperties.class)
    static class Properties {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(
            Properties.class);

    @Test
    void theDefaultIs90DaysAndAValueIsTaken() {
        runner.run(c -> assertThat(c.getBean(SyncProperties.class).security().events().retention())
                .isEqualTo(Duration.ofDays(90)));
        runner.withPropertyValues("sync.security.events.retention=7d").run(c -> assertThat(
                c.getBean(SyncProperties.class).security().events().retention()).isEqualTo(Duration.ofDays(7)));
    }

    @Test
    void aBadValueStopsTheStartWithAMessageNamingTheProperty() {
        for (String bad : new String[]{"0d", "-1d", "ninety days"}) {
            runner.withPropertyValues("sync.security.events.retention=" + bad).run(c -> {
                assertThat(c).hasFailed();
                StringBuilder messages = new StringBuilder();
                for (Throwable t = c.getStartupFailure(); t != null; t = t.getCause()) {
                    messages.append(t.getMessage()).append('\n');
                }
                assertThat(messages.toString()).as(bad).contains("sync.security.events.retention");
            });
        }
    }
}
