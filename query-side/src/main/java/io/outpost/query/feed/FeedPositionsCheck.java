package io.outpost.query.feed;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * At start, before the server answers: are the feed's transaction ids ({@code change_tx}, V19) still below the ones
 * PostgreSQL hands out? They are, unless the database was restored into another cluster (pg_dump / pg_restore,
 * logical replication), which counts transaction ids from a low number again: rows written there would sort before
 * the restored ones, and a pull that had passed those would never see them. Then every feed row moves to transaction
 * 0 (the order among them, by {@code change_seq}, stays; new rows come after all of them) and a new feed epoch
 * starts, so every cursor gets {@code reset: true} and a fresh snapshot (docs/pull.md).
 *
 * <p>Cheap at every start: it compares the cluster's system identifier with the one recorded in {@code feed_state}
 * (V20); only when it differs (another cluster, or the first start with V20) does it read the feed's highest
 * transaction id, which scans the feed tables once. A physical replica promoted after a failover is the same cluster
 * (same identifier, same transaction ids). Nodes starting at once take turns (an advisory lock).
 */
@Component
public class FeedPositionsCheck implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(FeedPositionsCheck.class);
    /** Serialises nodes starting at once (the key of this advisory lock is not used elsewhere). */
    private static final String START_LOCK = "SELECT pg_advisory_xact_lock(0x0f5eef, 0)";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    public FeedPositionsCheck(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    @Override
    public void afterSingletonsInstantiated() {
        check();
    }

    /** @return whether the feed's positions were moved to transaction 0 and a new epoch started */
    public boolean check() {
        return Boolean.TRUE.equals(transaction.execute(status -> {
            jdbc.queryForObject(START_LOCK, Object.class);
            String cluster = jdbc.queryForObject("SELECT system_identifier::text FROM pg_control_system()",
                    String.class);
            String recorded = jdbc.queryForObject("SELECT cluster_id FROM feed_state WHERE id = 1", String.class);
            if (cluster.equals(recorded)) return false;
            long newest = jdbc.queryForObject("SELECT GREATEST((SELECT COALESCE(MAX(change_tx), 0) FROM records), "
                    + "(SELECT COALESCE(MAX(change_tx), 0) FROM feed_removals), "
                    + "(SELECT COALESCE(MAX(progress_tx), 0) FROM device_progress))", Long.class);
            long next = jdbc.queryForObject("SELECT " + ChangeFeedProjection.CURRENT_TX, Long.class);
            boolean wentBack = newest >= next;
            if (wentBack) {
                int records = jdbc.update("UPDATE records SET change_tx = 0 WHERE change_tx <> 0");
                jdbc.update("UPDATE feed_removals SET change_tx = 0 WHERE change_tx <> 0");
                jdbc.update("UPDATE device_progress SET progress_tx = 0 WHERE progress_tx <> 0");
                jdbc.update("UPDATE feed_state SET epoch = epoch + 1 WHERE id = 1");
                log.warn("the database's transaction ids are lower than the change feed's (newest {}, next {}): it "
                        + "was restored into another PostgreSQL cluster ({} recorded, {} now). {} records moved to "
                        + "transaction 0 in their order; a new feed epoch starts, every device's next pull gets a "
                        + "fresh snapshot (reset: true)", newest, next, recorded, cluster, records);
            } else if (recorded != null) {
                log.info("the database is in another PostgreSQL cluster ({} recorded, {} now); its transaction ids "
                        + "are above the change feed's, nothing to do", recorded, cluster);
            }
            jdbc.update("UPDATE feed_state SET cluster_id = ? WHERE id = 1", cluster);
            return wentBack;
        }));
    }
}
