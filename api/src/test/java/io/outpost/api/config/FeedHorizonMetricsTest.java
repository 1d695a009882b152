package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.outpost.api.support.ServerTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A writing transaction left open holds the feed's horizon while later ones commit; the gauge shows for how long, and
 * drops when it ends.
 */
class FeedHorizonMetricsTest extends ServerTest {

    @Autowired
    DataSource dataSource;
    @Autowired
    MeterRegistry meters;

    private double age() {
        return meters.get("outpost.feed.horizon.age").gauge().value();
    }

    @Test
    void anOpenWritingTransactionShowsAsTheHorizonsAge() throws Exception {
        try (Connection open = dataSource.getConnection()) {
            open.setAutoCommit(false);
            try (Statement s = open.createStatement()) {
                s.execute("SELECT pg_current_xact_id()"); // takes a transaction id, as a write does
            }
            assertThat(age()).as("nothing that ended after it: nothing held back").isZero();
            String token = userToken(anyTenant());
            pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                    + "'id':'held','data':{'v':1}}]}"));
            await().atMost(Duration.ofSeconds(20)).until(() -> age() >= 1.0);
            open.rollback();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> age() < 1.0);
    }
}
