package io.outpost.api.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.device.DeviceRegistry;
import io.outpost.api.support.ServerTest;
import java.sql.Connection;
import java.time.Instant;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The settings of the server's connections (application.yml, docs/deployment.md): a bounded read timeout for
 * requests, none for migrations, and PostgreSQL ending a push's transaction that sits idle (a node cut off from the
 * database must not hold its row locks).
 */
class ConnectionSettingsTest extends ServerTest {

    @Autowired
    DataSource dataSource;
    @Autowired
    Flyway flyway;
    @Autowired
    DeviceRegistry devices;
    @Autowired
    PlatformTransactionManager transactionManager;
    TransactionTemplate transactions;

    @BeforeEach
    void transactions() {
        transactions = new TransactionTemplate(transactionManager);
    }

    @Test
    void requestConnectionsGiveUpOnASilentNetwork() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            assertThat(c.getNetworkTimeout()).as("the driver's socketTimeout, ms").isEqualTo(2000);
        }
    }

    /**
     * A push's transaction is ended by PostgreSQL if it sits idle (its node cut off mid-push), so its row locks do
     * not block other nodes; other transactions (Axon's processors wait for events inside theirs) are not.
     */
    @Test
    void aPushsTransactionAndOnlyItIsEndedWhenItSitsIdle() {
        String tenant = anyTenant();
        String inside = transactions.execute(status -> {
            devices.lockForPush(tenant, "dev-1", "user-1", Instant.now());
            return jdbc.queryForObject("SHOW idle_in_transaction_session_timeout", String.class);
        });
        assertThat(inside).isEqualTo("3s");
        // a known device's push takes its lock and sets the limit in one statement: set too
        String again = transactions.execute(status -> {
            devices.lockForPush(tenant, "dev-1", "user-1", Instant.now());
            return jdbc.queryForObject("SHOW idle_in_transaction_session_timeout", String.class);
        });
        assertThat(again).isEqualTo("3s");
        String other = transactions.execute(status ->
                jdbc.queryForObject("SHOW idle_in_transaction_session_timeout", String.class));
        assertThat(other).as("a transaction that took no push lock").isEqualTo("0");
    }

    @Test
    void migrationsRunWithoutTheReadTimeoutAndGiveItBack() throws Exception {
        DataSource migrations = flyway.getConfiguration().getDataSource();
        try (Connection c = migrations.getConnection()) {
            assertThat(c.getNetworkTimeout()).as("no read timeout for a long migration").isZero();
        }
        for (int i = 0; i < 5; i++) { // whichever pooled connection comes next has its timeout back
            try (Connection c = dataSource.getConnection()) {
                assertThat(c.getNetworkTimeout()).isEqualTo(2000);
            }
        }
    }
}
