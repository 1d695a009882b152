package io.outpost.api.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * How long the change feed's horizon has been held (gauge {@code outpost.feed.horizon.age}, seconds): a pull reads
 * only below the database cluster's oldest open writing transaction (V19, docs/pull.md), so while one stays open,
 * changes committed after it reach no device. Read when the gauge is read (a scrape), from a snapshot: its xmin (the
 * oldest open transaction) and xmax (one past the newest that has ended); 0 when xmin is not below xmax (nothing that
 * ended is held back), else the time since this node first saw that same transaction as the oldest (so it grows by
 * the scrape interval while one transaction holds the horizon; a push's transaction lasts milliseconds). Needs no
 * privilege beyond the server's own. -1 when the database cannot be read.
 */
@Component
public class FeedHorizonMetrics implements SmartInitializingSingleton {

    private final MeterRegistry meters;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private long oldest = -1;
    private Instant since;

    public FeedHorizonMetrics(MeterRegistry meters, JdbcTemplate jdbc, Clock clock) {
        this.meters = meters;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Gauge.builder("outpost.feed.horizon.age", this, FeedHorizonMetrics::seconds).baseUnit("seconds")
                .description("how long the oldest open writing transaction of the database has held the change "
                        + "feed's horizon (0: none open)").register(meters);
    }

    /** Seconds the current oldest open transaction has held the horizon, as far as this node has seen; -1: unknown. */
    public synchronized double seconds() {
        long[] ids;
        try {
            ids = jdbc.queryForObject("SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint "
                    + "FROM pg_current_snapshot() s", (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)});
        } catch (RuntimeException e) {
            return -1;
        }
        Instant now = clock.instant();
        if (ids[0] >= ids[1]) {
            oldest = -1;
            return 0;
        }
        if (ids[0] != oldest) {
            oldest = ids[0];
            since = now;
        }
        return Duration.between(since, now).toMillis() / 1000.0;
    }
}
