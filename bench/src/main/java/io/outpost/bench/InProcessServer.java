package io.outpost.bench;

import io.outpost.api.OutpostApplication;
import io.outpost.api.security.JwtService;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import java.nio.file.Path;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Outpost server started in this JVM with a throw-away embedded PostgreSQL, plus what the benchmarks need from
 * it: its port, bearer tokens, its DataSource and (for server-side timings) its beans. The {@code io.outpost:api}
 * main artifact is a plain jar (the runnable Spring Boot jar has the classifier {@code exec}), so the server's
 * classes are compiled against directly.
 */
final class InProcessServer implements TokenSource, AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;
    private final JwtService jwtService;

    private InProcessServer(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.jwtService = context.getBean(JwtService.class);
    }

    /**
     * Starts the server on a free port with a fresh embedded PostgreSQL; takes some seconds. The settings are given
     * as command-line arguments because those outrank application.yml: given as default properties
     * ({@code SpringApplicationBuilder.properties}) they lose to its {@code server.port: ${PORT:8080}},
     * {@code outpost.embedded-postgres.persistent: true} and {@code sync.security.jwt.secret: ${SYNC_JWT_SECRET:}},
     * and the server would bind 8080 and keep its database in ./data between runs. The server's log goes to
     * {@code logFile} only, so that stdout stays readable; what it costs to write is still paid.
     */
    static InProcessServer start(Path logFile) {
        // Axon's update checker is started by a ServiceLoader module, which application.yml's exclusion of its
        // Spring auto-configuration does not stop; a benchmark sends no traffic off this machine.
        System.setProperty("axoniq.update-checker.disabled", "true");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(OutpostApplication.class).run(
                "--server.port=0",
                "--spring.datasource.url=", // no external database even if SPRING_DATASOURCE_URL is set
                "--outpost.embedded-postgres.persistent=false",
                "--sync.security.jwt.secret=outpost-push-benchmark-secret-0123456789-abcdefghij",
                "--sync.collections." + BenchDevice.COLLECTION + ".conflict-strategy=reject",
                "--logging.level.root=WARN",
                "--logging.file.name=" + logFile.toAbsolutePath(),
                "--logging.threshold.console=OFF");
        try {
            return new InProcessServer(context);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    /** A bearer token for {@code userId} in {@code tenant} with role user. */
    @Override
    public String token(String tenant, String userId) {
        return jwtService.issue(new SyncPrincipal(tenant, userId, Set.of(Role.USER)));
    }

    /** The server's own pool on the same PostgreSQL. */
    DataSource dataSource() {
        return context.getBean(DataSource.class);
    }

    /** A bean of the running server, e.g. its MeterRegistry. */
    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
