package io.outpost.api.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.outpost.api.config.OutpostProperties;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps {@code push_results} from growing forever. A stored result is deleted only when it is both outside its
 * device's newest {@code keep-per-device} results (PROTOCOL.md promises at least the last 10,000) and older than
 * {@code keep-for}; every other result stays (results are stored a push at a time, and a push's row goes only when
 * all its results may go), so a re-sent op inside that window is still answered from its original.
 * One re-sent after its result was pruned is answered {@code rejected / invalid_operation} with {@code duplicate} and
 * is not applied (PushService).
 *
 * <p>Work comes in small pieces that never block a push: devices are visited a page at a time, each device's
 * threshold is one read of its rows, and push rows are deleted at most {@code prune-batch} per statement, each statement its
 * own short transaction. Pushes never touch the old rows deleted, and no lock a push takes is held. The counter
 * {@code outpost.push.results.pruned} counts what was deleted.
 */
@Component
class OpResultPruner {

    private static final Logger log = LoggerFactory.getLogger(OpResultPruner.class);
    private static final int DEVICE_PAGE = 500;

    /** What to keep: per device the newest {@code perDevice} results, and every result younger than {@code age}. */
    record Retention(int perDevice, Duration age, int batch) {
    }

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final OutpostProperties.Push.Results settings;
    private final Counter pruned;

    OpResultPruner(JdbcTemplate jdbc, Clock clock, OutpostProperties properties, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.settings = properties.push().results();
        this.pruned = Counter.builder("outpost.push.results.pruned")
                .description("stored op results deleted by the retention (outpost.push.results.*)").register(meters);
    }

    @Scheduled(initialDelayString = "${outpost.push.results.prune-interval:10m}",
            fixedDelayString = "${outpost.push.results.prune-interval:10m}")
    void scheduledSweep() {
        if (!settings.prune()) return;
        try {
            long deleted = sweep(new Retention(settings.keepPerDevice(), settings.keepFor(), settings.pruneBatch()));
            if (deleted > 0) log.info("pruned {} stored op results beyond the retention", deleted);
        } catch (RuntimeException e) {
            log.warn("pruning stored op results failed; the next sweep tries again: {}", e.toString());
        }
    }

    /** One pass over every device; the number of results deleted. */
    long sweep(Retention retention) {
        return sweep(retention, null);
    }

    /** One pass over the devices of {@code tenant} (null: of every tenant); the number of results deleted. */
    long sweep(Retention retention, String tenant) {
        Timestamp cutoff = Timestamp.from(clock.instant().minus(retention.age()));
        long deleted = 0;
        String afterTenant = "";
        String afterDevice = "";
        while (true) {
            List<String[]> page = jdbc.query("SELECT tenant, device_id FROM devices WHERE (tenant, device_id) > (?, ?) "
                            + "AND (CAST(? AS varchar) IS NULL OR tenant = ?) ORDER BY tenant, device_id LIMIT ?",
                    (rs, n) -> new String[]{rs.getString(1), rs.getString(2)}, afterTenant, afterDevice, tenant,
                    tenant, DEVICE_PAGE);
            for (String[] device : page) {
                deleted += pruneDevice(device[0], device[1], retention, cutoff);
            }
            if (page.size() < DEVICE_PAGE) return deleted;
            afterTenant = page.get(page.size() - 1)[0];
            afterDevice = page.get(page.size() - 1)[1];
        }
    }

    private long pruneDevice(String tenant, String deviceId, Retention retention, Timestamp cutoff) {
        // the first opId of the push row that holds the device's perDevice-th newest result: from it up is kept
        List<Long> threshold = jdbc.queryForList("SELECT first_op_id FROM (SELECT first_op_id, "
                + "sum(op_count) OVER (ORDER BY last_op_id DESC) AS newer FROM push_results "
                + "WHERE tenant = ? AND device_id = ?) rows WHERE newer >= ? ORDER BY newer LIMIT 1", Long.class,
                tenant, deviceId, retention.perDevice());
        if (threshold.isEmpty()) return 0;
        long keepFrom = threshold.get(0);
        long deleted = 0;
        while (true) {
            List<Integer> rows = jdbc.queryForList("DELETE FROM push_results WHERE ctid IN (SELECT ctid FROM "
                            + "push_results WHERE tenant = ? AND device_id = ? AND last_op_id < ? AND recorded_at < ? "
                            + "LIMIT ?) RETURNING op_count", Integer.class,
                    tenant, deviceId, keepFrom, cutoff, retention.batch());
            long n = rows.stream().mapToLong(Integer::longValue).sum();
            deleted += n;
            pruned.increment(n);
            if (rows.size() < retention.batch()) return deleted;
        }
    }
}
