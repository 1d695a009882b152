package io.outpost.api.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The settings every server connection carries (application.yml, docs/deployment.md): a bounded read timeout for
 * requests, none for migrations, and PostgreSQL ending a session whose transaction sits idle (a node cut off from the
 * database must not hold its row locks).
 */
class ConnectionSettingsTest extends ServerTest {

    @Autowired
    DataSource dataSource;
    @Autowired
    Flyway flyway;

    @Test
    void requestConnectionsGiveUpOnASilentNetworkAndPostgresEndsIdleTransactions() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW idle_in_transaction_session_timeout")) {
            assertThat(c.getNetworkTimeout()).as("the driver's socketTimeout, ms").isEqualTo(2000);
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("3s");
        }
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
