package io.outpost.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.OutpostApplication;
import io.outpost.api.security.JwtService;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;

/**
 * The real Outpost server in this JVM, as the README's run command starts it: the default configuration in
 * development mode (no JWT secret configured, so the demo account {@code demo} / {@code demo} of tenant {@code demo}
 * exists and the page at {@code /app/} can sign in), a throw-away embedded PostgreSQL in a temporary data directory,
 * a free port, and no rate limits (tests sign in and pull in tight loops). Started once ({@link #shared()}), stopped
 * when the JVM exits.
 *
 * <p>With {@code SPRING_DATASOURCE_URL} (an external PostgreSQL, as for the server's own tests) the server needs a
 * configured secret, so the harness configures one and the same demo account in {@code sync.users}.
 */
public final class OutpostServer implements AutoCloseable {

    /** The development demo account (username, password and tenant). */
    public static final String DEMO = "demo";
    /** The device id {@link #pull} and {@link #record} use for the harness's own reads. */
    public static final String HARNESS_DEVICE = "outpost-harness";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static OutpostServer shared;

    private final ConfigurableApplicationContext context;
    private final JwtService jwt;
    private final int port;
    private final Path dataDir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private OutpostServer(ConfigurableApplicationContext context, Path dataDir) {
        this.context = context;
        this.dataDir = dataDir;
        this.jwt = context.getBean(JwtService.class);
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** The server every browser test shares (started on first use). */
    public static synchronized OutpostServer shared() {
        if (shared == null) {
            shared = start();
            OutpostServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "outpost-server-stop"));
        }
        return shared;
    }

    /**
     * A server of its own, with extra Spring Boot arguments ({@code --name=value}, they outrank the defaults here);
     * the caller closes it.
     */
    public static OutpostServer start(String... extraArguments) {
        System.setProperty("axoniq.update-checker.disabled", "true");
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("outpost-browser-tests-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the server's data directory", e);
        }
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--outpost.embedded-postgres.persistent=false",
                "--outpost.data-dir=" + dataDir,
                "--logging.threshold.console=WARN",
                "--sync.rate-limit.requests-per-minute=0",
                "--sync.rate-limit.auth-per-minute=0"));
        String external = System.getenv("SPRING_DATASOURCE_URL");
        if (external != null && !external.isBlank()) {
            // an external database needs a configured secret (StartupChecks); the demo account then comes from here
            args.addAll(List.of(
                    "--sync.security.jwt.secret=outpost-browser-test-secret-" + UUID.randomUUID(),
                    // as in development mode: the pages' tests use collections of their own
                    "--sync.allow-undeclared-collections=true",
                    "--sync.users[0].username=" + DEMO,
                    "--sync.users[0].password="
                            + PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(DEMO),
                    "--sync.users[0].tenant=" + DEMO,
                    "--sync.users[0].roles[0]=user",
                    "--sync.users[0].roles[1]=admin"));
        }
        args.addAll(Arrays.asList(extraArguments));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(OutpostApplication.class)
                .run(args.toArray(String[]::new));
        return new OutpostServer(context, dataDir);
    }

    /** {@code http://localhost:<port>}, without a trailing slash. */
    public String baseUrl() {
        return "http://localhost:" + port;
    }

    /** {@code baseUrl() + path}, e.g. {@code url("/app/")}. */
    public String url(String path) {
        return baseUrl() + path;
    }

    public int port() {
        return port;
    }

    /** A token signed by the server (no roles: {@code user}). */
    public String token(String tenant, String user, Role... roles) {
        return jwt.issue(new SyncPrincipal(tenant, user, roles.length == 0 ? Set.of(Role.USER) : Set.of(roles)));
    }

    /** A token of the demo account (tenant {@code demo}, user {@code demo}, roles user and admin). */
    public String demoToken() {
        return token(DEMO, DEMO, Role.USER, Role.ADMIN);
    }

    /** A fresh tenant name, so that tests do not see each other's records. */
    public static String anyTenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 12);
    }

    /**
     * Everything the token's user may see: a snapshot pull (following cursors) with device {@code deviceId} (a
     * device is bound to the first user of the tenant that uses it). Returns the changes.
     */
    public List<JsonNode> pull(String token, String deviceId) {
        List<JsonNode> changes = new ArrayList<>();
        String cursor = null;
        JsonNode page;
        do {
            String query = "/api/v1/sync/pull?deviceId=" + encode(deviceId) + "&limit=1000"
                    + (cursor == null ? "" : "&cursor=" + encode(cursor));
            HttpResponse<String> response = get(token, query);
            if (response.statusCode() != 200) {
                throw new IllegalStateException("pull answered " + response.statusCode() + ": " + response.body());
            }
            page = parse(response.body());
            page.path("changes").forEach(changes::add);
            cursor = page.path("cursor").asText(null);
        } while (page.path("hasMore").asBoolean());
        return changes;
    }

    /**
     * The server's state of one record as the change feed has it ({@code {collection, id, version, deleted, data,
     * updatedAt, updatedBy}}), read by a harness user with roles user and admin in {@code tenant}; empty when the
     * feed does not have it (yet: the feed follows a push within milliseconds, so wait for it).
     */
    public Optional<JsonNode> record(String tenant, String collection, String id) {
        String token = token(tenant, "outpost-harness", Role.USER, Role.ADMIN);
        return pull(token, HARNESS_DEVICE).stream()
                .filter(c -> collection.equals(c.path("collection").asText()) && id.equals(c.path("id").asText()))
                .findFirst();
    }

    /** GET with a bearer token (null: none). */
    public HttpResponse<String> get(String token, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return send(request.GET());
    }

    /** POST of a JSON body with a bearer token (null: none). */
    public HttpResponse<String> post(String token, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        if (token != null) request.header("Authorization", "Bearer " + token);
        return send(request.POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A bean of the running server (e.g. a {@code JdbcTemplate}). */
    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary directory; whatever is left is the system's to clean
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + text, e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
