package io.outpost.sdk;

import io.outpost.api.OutpostApplication;
import io.outpost.api.security.JwtService;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import java.net.URI;
import java.util.Set;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real Outpost server, started once in the test JVM on a free port with a throw-away embedded PostgreSQL (or the
 * external one {@code SPRING_DATASOURCE_URL} names, as for the server's own tests) and the
 * collections of {@code sdk-test-server.yml}; stopped when the JVM exits. Tests isolate themselves by tenant.
 */
final class TestServer {

    private static TestServer shared;

    private final ConfigurableApplicationContext context;
    private final JwtService jwt;
    private final int port;

    private TestServer(ConfigurableApplicationContext context) {
        this.context = context;
        this.jwt = context.getBean(JwtService.class);
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static synchronized TestServer shared() {
        if (shared == null) {
            System.setProperty("axoniq.update-checker.disabled", "true");
            // command-line arguments outrank application.yml's defaults (port 8080, persistent ./data)
            ConfigurableApplicationContext context = new SpringApplicationBuilder(OutpostApplication.class).run(
                    "--server.port=0",
                    "--outpost.embedded-postgres.persistent=false",
                    "--sync.security.jwt.secret=outpost-sdk-test-secret-0123456789-abcdefghijklmn",
                    "--spring.config.additional-location=classpath:sdk-test-server.yml",
                    "--logging.threshold.console=WARN");
            shared = new TestServer(context);
            Runtime.getRuntime().addShutdownHook(new Thread(context::close));
        }
        return shared;
    }

    URI baseUri() {
        return URI.create("http://localhost:" + port + "/api/v1");
    }

    int port() {
        return port;
    }

    String token(String tenant, String user, Role... roles) {
        return jwt.issue(new SyncPrincipal(tenant, user, roles.length == 0 ? Set.of(Role.USER) : Set.of(roles)));
    }

    static String anyTenant() {
        return "t-" + UUID.randomUUID();
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }
}
