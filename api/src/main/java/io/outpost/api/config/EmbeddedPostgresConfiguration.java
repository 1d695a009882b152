package io.outpost.api.config;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The default database: a real PostgreSQL started in-process from Maven Central binaries (zonky), its data kept in
 * {@code outpost.data-dir}/postgres so records survive a restart. Skipped when {@code spring.datasource.url}
 * ({@code SPRING_DATASOURCE_URL}) names an external database.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoExternalDatabase.class)
public class EmbeddedPostgresConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(OutpostProperties properties) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(properties.embeddedPostgres().port())
                .setServerConfig("max_connections", "200")
                // stopped by this bean's close, after everything that uses it: zonky's own JVM shutdown hook would run
                // beside Spring's and stop the database under event processors that are still finishing a batch
                .setRegisterShutdownHook(false);
        if (properties.embeddedPostgres().persistent()) {
            Path dir = Path.of(properties.dataDir(), "postgres").toAbsolutePath().normalize();
            Files.createDirectories(dir);
            builder.setDataDirectory(dir).setCleanDataDirectory(false)
                    // zonky starts PostgreSQL with fsync and synchronous_commit off (right for throw-away test
                    // databases): a power cut could then lose acknowledged pushes or corrupt the cluster. Data that
                    // is kept gets PostgreSQL's own defaults back (docs/deployment.md, "Durability").
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
            log.info("Starting embedded PostgreSQL with data in {}", dir);
        } else {
            log.info("Starting a throw-away embedded PostgreSQL");
        }
        EmbeddedPostgres pg = builder.start();
        log.info("Embedded PostgreSQL is up: {} (psql -h localhost -p {} -U postgres postgres)",
                pg.getJdbcUrl("postgres", "postgres"), pg.getPort());
        return pg;
    }

    @Bean
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(EmbeddedPostgres pg) {
        return DataSourceBuilder.create().type(HikariDataSource.class)
                .url(pg.getJdbcUrl("postgres", "postgres")).username("postgres").password("")
                .build();
    }

    /** True when the environment names no external database. */
    public static boolean embedded(org.springframework.core.env.Environment env) {
        String url = env.getProperty("spring.datasource.url");
        return url == null || url.isBlank();
    }

    static class NoExternalDatabase implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return embedded(context.getEnvironment());
        }
    }

}
