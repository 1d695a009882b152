package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.support.ServerTest;
import io.outpost.query.feed.FeedPositionsCheck;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A database restored into another PostgreSQL cluster counts transaction ids from a low number again; the feed's rows
 * then carry ids above the ones new rows get. The check at start moves them to transaction 0 under a new feed epoch.
 */
class FeedPositionsCheckTest extends ServerTest {

    @Autowired
    FeedPositionsCheck check;

    private long epoch() {
        return jdbc.queryForObject("SELECT epoch FROM feed_state WHERE id = 1", Long.class);
    }

    private String recordedCluster() {
        return jdbc.queryForObject("SELECT cluster_id FROM feed_state WHERE id = 1", String.class);
    }

    @Test
    void aFeedWithHigherTransactionIdsThanTheClusterMovesToTransactionZeroUnderANewEpoch() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'kept','data':{'v':1}}]}"));
        String cursor = drain(token, "dev-1", null, null, 10).cursor();
        String cluster = recordedCluster();
        // as after a pg_dump / pg_restore into a fresh cluster: the restored rows' ids lie above the cluster's counter
        jdbc.update("UPDATE records SET change_tx = change_tx + 1000000000 WHERE tenant = ?", tenant);
        jdbc.update("UPDATE feed_state SET cluster_id = 'the-old-cluster' WHERE id = 1");
        long before = epoch();

        assertThat(check.check()).isTrue();
        assertThat(epoch()).isEqualTo(before + 1);
        assertThat(jdbc.queryForObject("SELECT change_tx FROM records WHERE tenant = ?", Long.class, tenant))
                .isZero();
        assertThat(recordedCluster()).isEqualTo(cluster);
        assertThat(check.check()).as("the same cluster again: nothing to do").isFalse();
        assertThat(epoch()).isEqualTo(before + 1);

        // a new change comes after the restored ones; a device with an old cursor starts again from a snapshot
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':2,'type':'create','collection':'notes',"
                + "'id':'new','data':{'v':1}}]}"));
        JsonNode page = pullOk(token, "dev-1", cursor, null, 10);
        assertThat(page.path("reset").asBoolean()).isTrue();
        assertThat(drain(token, "dev-1", null, null, 10).ids()).containsExactly("notes/kept", "notes/new");
    }

    @Test
    void anotherClusterWhoseTransactionIdsAreHigherKeepsTheFeedAsItIs() {
        String cluster = recordedCluster();
        jdbc.update("UPDATE feed_state SET cluster_id = 'before-pg-upgrade' WHERE id = 1");
        long before = epoch();

        assertThat(check.check()).isFalse();
        assertThat(epoch()).isEqualTo(before);
        assertThat(recordedCluster()).isEqualTo(cluster);
    }
}
