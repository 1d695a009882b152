package io.outpost.api.admin;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.outpost.api.config.ProjectionLagMetrics;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Stores every tenant's figures each {@code outpost.stats.sample-interval} in {@code stats_samples} (V12), for the
 * console's charts ({@link StatsHistoryController}): the operation counters (sums over the tenant's devices), open
 * conflicts, the change feed's lag, and this node's push requests since the previous sample with their mean time.
 * A sample's time is rounded down to the interval, so two nodes sampling the same interval store one row (the first).
 * Samples older than {@code outpost.stats.retention} are deleted. Nothing is kept only in memory but the push
 * timer's reading at the previous sample.
 */
@Component
public class StatsHistorySampler {

    private static final Logger log = LoggerFactory.getLogger(StatsHistorySampler.class);
    /** PushService's timer of push requests (package push; read here by name, not changed). */
    static final String PUSH_TIMER = "outpost.push.requests";

    private final JdbcTemplate jdbc;
    private final ProjectionLagMetrics lag;
    private final MeterRegistry meters;
    private final StatsHistoryProperties properties;
    private final Clock clock;
    private long lastPushCount;
    private double lastPushMillis;

    StatsHistorySampler(JdbcTemplate jdbc, ProjectionLagMetrics lag, MeterRegistry meters,
                        StatsHistoryProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.lag = lag;
        this.meters = meters;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(initialDelayString = "${outpost.stats.sample-interval:60s}",
            fixedDelayString = "${outpost.stats.sample-interval:60s}")
    void scheduled() {
        try {
            sample();
        } catch (RuntimeException e) {
            log.warn("could not store the stats sample: {}", e.toString());
        }
    }

    /** Stores one sample per tenant that has a device, at now rounded down to the interval; the rows written. */
    public synchronized int sample() {
        long step = properties.sampleInterval().toMillis();
        Instant now = clock.instant();
        Instant at = Instant.ofEpochMilli(now.toEpochMilli() / step * step);
        long pushes = 0;
        Double latency = null;
        Timer timer = meters.find(PUSH_TIMER).timer();
        if (timer != null) {
            long count = timer.count();
            double millis = timer.totalTime(TimeUnit.MILLISECONDS);
            pushes = Math.max(0, count - lastPushCount);
            if (pushes > 0) latency = Math.max(0, millis - lastPushMillis) / pushes;
            lastPushCount = count;
            lastPushMillis = millis;
        }
        ProjectionLagMetrics.Lag current = lag.lag();
        int rows = jdbc.update("""
                INSERT INTO stats_samples (tenant, at, ops_applied, ops_merged, ops_conflicts, ops_rejected,
                        ops_duplicates, open_conflicts, projection_lag_events, projection_lag_seconds, pushes,
                        push_latency_ms)
                SELECT d.tenant, ?, sum(d.ops_applied), sum(d.ops_merged), sum(d.ops_conflicts), sum(d.ops_rejected),
                       sum(d.ops_duplicates),
                       (SELECT count(*) FROM conflicts c WHERE c.tenant = d.tenant AND c.status = 'open'),
                       ?, ?, ?, ?
                FROM devices d GROUP BY d.tenant
                ON CONFLICT (tenant, at) DO NOTHING
                """, Timestamp.from(at), current.events(), current.seconds(), pushes, latency);
        jdbc.update("DELETE FROM stats_samples WHERE at < ?", Timestamp.from(now.minus(properties.retention())));
        return rows;
    }
}
