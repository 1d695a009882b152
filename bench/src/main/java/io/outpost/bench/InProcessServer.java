package io.outpost.bench;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Outpost server started in this JVM with a throw-away embedded PostgreSQL, plus the three things the benchmark
 * needs from it: its port, bearer tokens and its DataSource.
 *
 * <p>The server's own classes ({@code OutpostApplication}, {@code JwtService}, {@code SyncPrincipal}, {@code Role})
 * are reached by name, not compiled against: the {@code io.outpost:api} main artifact is currently the Spring Boot
 * repackaged jar (classes under {@code BOOT-INF/classes}), which javac cannot read, and the {@code bench} profile
 * puts the unpacked classes on the run-time classpath instead (see bench/pom.xml). This way the module compiles in
 * every ordinary build whichever kind of jar the api module produces.
 */
final class InProcessServer implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;
    private final Object jwtService;
    private final Method issue;
    private final Constructor<?> principal;
    private final Object userRole;

    private InProcessServer(ConfigurableApplicationContext context) throws ReflectiveOperationException {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
        ClassLoader loader = context.getClassLoader();
        Class<?> jwtClass = Class.forName("io.outpost.api.security.JwtService", true, loader);
        Class<?> principalClass = Class.forName("io.outpost.api.security.SyncPrincipal", true, loader);
        Class<?> roleClass = Class.forName("io.outpost.api.security.Role", true, loader);
        this.jwtService = context.getBean(jwtClass);
        this.issue = jwtClass.getMethod("issue", principalClass);
        this.principal = principalClass.getConstructor(String.class, String.class, Set.class);
        this.userRole = roleClass.getMethod("valueOf", String.class).invoke(null, "USER");
    }

    /**
     * Starts the server on a free port with a fresh embedded PostgreSQL; takes some seconds. The settings are given
     * as command-line arguments because those outrank application.yml: given as default properties
     * ({@code SpringApplicationBuilder.properties}) they lose to its {@code server.port: ${PORT:8080}},
     * {@code outpost.embedded-postgres.persistent: true} and {@code sync.security.jwt.secret: ${SYNC_JWT_SECRET:}},
     * and the server would bind 8080 and keep its database in ./data between runs. The server's log goes to
     * {@code logFile} only, so that stdout stays readable; what it costs to write is still paid.
     */
    static InProcessServer start(Path logFile) throws ReflectiveOperationException {
        // Axon's update checker is started by a ServiceLoader module, which application.yml's exclusion of its
        // Spring auto-configuration does not stop; a benchmark sends no traffic off this machine.
        System.setProperty("axoniq.update-checker.disabled", "true");
        Class<?> application = Class.forName("io.outpost.api.OutpostApplication");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application).run(
                "--server.port=0",
                "--spring.datasource.url=", // no external database even if SPRING_DATASOURCE_URL is set
                "--outpost.embedded-postgres.persistent=false",
                "--sync.security.jwt.secret=outpost-push-benchmark-secret-0123456789-abcdefghij",
                "--logging.level.root=WARN",
                "--logging.file.name=" + logFile.toAbsolutePath(),
                "--logging.threshold.console=OFF");
        try {
            return new InProcessServer(context);
        } catch (ReflectiveOperationException | RuntimeException e) {
            context.close();
            throw e;
        }
    }

    int port() {
        return port;
    }

    /** A bearer token for {@code userId} in {@code tenant} with role user. */
    String token(String tenant, String userId) {
        try {
            Object who = principal.newInstance(tenant, userId, Set.of(userRole));
            return (String) issue.invoke(jwtService, who);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot issue a token through JwtService", e);
        }
    }

    /** The server's own pool on the same PostgreSQL. */
    DataSource dataSource() {
        return context.getBean(DataSource.class);
    }

    @Override
    public void close() {
        context.close();
    }
}
