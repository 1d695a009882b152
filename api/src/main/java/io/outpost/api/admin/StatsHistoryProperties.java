package io.outpost.api.admin;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code outpost.stats.*}: the tenant figures kept over time for the console's charts ({@link StatsHistorySampler}).
 *
 * @param sampleInterval how often each tenant's figures are stored (at least 1 s); also the width of one chart point
 * @param retention      how long stored samples are kept
 */
@Validated
@ConfigurationProperties("outpost.stats")
public record StatsHistoryProperties(@DefaultValue("60s") @NotNull Duration sampleInterval,
                                     @DefaultValue("7d") @NotNull Duration retention) {

    public StatsHistoryProperties {
        if (sampleInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("outpost.stats.sample-interval must be at least 1s, was "
                    + sampleInterval);
        }
        if (retention.compareTo(sampleInterval) < 0) {
            throw new IllegalArgumentException("outpost.stats.retention must be at least the sample interval, was "
                    + retention);
        }
    }
}
