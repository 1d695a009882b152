package io.outpost.api.config;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.flyway.FlywayConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Flyway's migrations run on the server's pool, but without the driver's read timeout. The pool's connections give up
 * on a read after {@code socketTimeout} (2 s, application.yml), so that a request on a silent network gets an answer;
 * a migration that builds an index or fills a column on a large store legitimately runs for minutes, and under that
 * timeout it would fail at start-up, on the day of an upgrade. Hikari puts the timeout back when the connection returns
 * to the pool.
 */
@Configuration(proxyBeanMethods = false)
public class MigrationConfiguration {

    @Bean
    FlywayConfigurationCustomizer migrationsWithoutReadTimeout(DataSource dataSource) {
        return configuration -> configuration.dataSource(new WithoutReadTimeout(dataSource));
    }

    /** Connections of the delegate with no network (read) timeout. */
    static final class WithoutReadTimeout extends DelegatingDataSource {

        WithoutReadTimeout(DataSource pool) {
            super(pool);
        }

        @Override
        public Connection getConnection() throws SQLException {
            return unbounded(super.getConnection());
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return unbounded(super.getConnection(username, password));
        }

        private static Connection unbounded(Connection c) throws SQLException {
            try {
                c.setNetworkTimeout(Runnable::run, 0);
                return c;
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
    }
}
