package io.outpost.api.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.outpost.api.OutpostApplication;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import io.outpost.api.support.TcpProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The database goes away under a running node and comes back. The node under test is a second server on a database
 * of its own, reached through a {@link TcpProxy} the test controls (the first node of the suite only creates that
 * database). While the database is cut off (connections reset, or a silent network), every request gets a prompt 503
 * problem with {@code Retry-After}, health says DOWN and why, and nothing is half-applied; when it is back, pushes,
 * pulls and the change feed work again by themselves; ten outages leave no thread or connection behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseOutageTest extends ServerTest {

    /** The client gives up after this: a request the server leaves hanging fails the test. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(5);
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    private DataSource dataSource;
    private TcpProxy proxy;
    private ConfigurableApplicationContext node;
    private int nodePort;
    private DatabaseAvailability availability;
    private HikariDataSource nodePool;

    @BeforeAll
    void startNodeBehindProxy() throws Exception {
        String database = "outage_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        jdbc.execute("CREATE DATABASE " + database);
        URI pg = URI.create(((HikariDataSource) dataSource).getJdbcUrl().substring("jdbc:".length()));
        proxy = new TcpProxy(pg.getHost(), pg.getPort());
        HikariDataSource main = (HikariDataSource) dataSource;
        node = new SpringApplicationBuilder(OutpostApplication.class).profiles("test")
                .run("--server.port=0",
                        "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database,
                        "--spring.datasource.username=" + main.getUsername(),
                        "--spring.datasource.password=" + (main.getPassword() == null ? "" : main.getPassword()));
        nodePort = ((WebServerApplicationContext) node).getWebServer().getPort();
        availability = node.getBean(DatabaseAvailability.class);
        nodePool = (HikariDataSource) node.getBean(DataSource.class);
    }

    @AfterEach
    void databaseBack() {
        proxy.delay(0);
        proxy.pass();
        await().atMost(Duration.ofSeconds(10)).until(() -> !availability.isDown());
    }

    @AfterAll
    void stopNode() throws Exception {
        if (node != null) node.close();
        if (proxy != null) proxy.close();
    }

    @Test
    void aStoppedDatabaseGetsPromptAnswersAndTheNodeRecoversByItself() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        assertThat(push(token, create("dev-1", 1, "before")).statusCode()).isEqualTo(200);

        proxy.refuse();
        // the first request after the cut may be the one that finds out; every answer comes within the client's limit
        await().atMost(Duration.ofSeconds(10)).until(() -> push(token, create("dev-1", 2, "during")).statusCode() == 503);
        HttpResponse<String> push = push(token, create("dev-1", 2, "during"));
        assertUnavailable(push);
        assertUnavailable(get(token, "/api/v1/sync/pull?deviceId=dev-1"));
        HttpResponse<String> health = get(token(tenant, "admin", Role.ADMIN), "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode database = parse(health.body()).path("components").path("database");
        assertThat(database.path("status").asText()).as(health.body()).isEqualTo("DOWN");
        assertThat(database.path("details").path("reason").asText()).isNotBlank();

        proxy.pass();
        await().atMost(Duration.ofSeconds(5)).until(() -> !availability.isDown());
        JsonNode answer = parse(push(token, create("dev-1", 2, "after")).body());
        // op 2 was never applied during the outage: this is its first and only application
        assertThat(answer.path("results").get(0).path("status").asText()).isEqualTo("applied");
        assertThat(answer.path("results").get(0).path("duplicate").asBoolean()).isFalse();
        // the change feed resumes without waiting out Axon's error back-off
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            HttpResponse<String> pull = get(token, "/api/v1/sync/pull?deviceId=dev-2");
            return pull.statusCode() == 200 && parse(pull.body()).path("changes").size() == 2;
        });
        JsonNode changes = parse(get(token, "/api/v1/sync/pull?deviceId=dev-2").body()).path("changes");
        assertThat(changes.findValuesAsText("id")).containsExactlyInAnyOrder("r1", "r2");
        assertThat(changes.get(changes.get(0).path("id").asText().equals("r2") ? 0 : 1).path("data").path("text")
                .asText()).isEqualTo("after");
    }

    @Test
    void aSilentNetworkIsNoticedAndAnsweredPromptly() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        assertThat(push(token, create("dev-1", 1, "before")).statusCode()).isEqualTo(200);

        proxy.blackhole();
        try {
            await().atMost(Duration.ofSeconds(15)).until(availability::isDown);
            assertUnavailable(push(token, create("dev-1", 2, "during")));
            assertUnavailable(get(token, "/api/v1/sync/pull?deviceId=dev-1"));
        } finally {
            proxy.refuse(); // the silent connections die, as TCP keep-alive would end them
            proxy.pass();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> push(token, create("dev-1", 2, "after")).statusCode() == 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            HttpResponse<String> pull = get(token, "/api/v1/sync/pull?deviceId=dev-2");
            return pull.statusCode() == 200 && parse(pull.body()).path("changes").size() == 2;
        });
    }

    @Test
    void tenOutagesLeaveNoThreadOrConnectionBehind() {
        String token = userToken(anyTenant());
        assertThat(push(token, create("dev-1", 1, "warm")).statusCode()).isEqualTo(200);
        int threadsBefore = Thread.getAllStackTraces().size();

        for (int outage = 1; outage <= 10; outage++) {
            proxy.refuse();
            await().atMost(Duration.ofSeconds(10)).until(availability::isDown);
            assertUnavailable(push(token, create("dev-1", outage + 1, "during")));
            proxy.pass();
            await().atMost(Duration.ofSeconds(10)).until(() -> !availability.isDown());
            int opId = outage + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> push(token, create("dev-1", opId, "ok")).statusCode() == 200);
        }

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            // in use: at most the change listener's LISTEN connection
            assertThat(nodePool.getHikariPoolMXBean().getActiveConnections()).isLessThanOrEqualTo(1);
            assertThat(nodePool.getHikariPoolMXBean().getTotalConnections())
                    .isLessThanOrEqualTo(nodePool.getMaximumPoolSize());
            // the pool, the probe and the change listener: never more sockets than the pool allows plus those two
            assertThat(proxy.openSockets()).isLessThanOrEqualTo(2 * (nodePool.getMaximumPoolSize() + 2));
            assertThat(Thread.getAllStackTraces().size()).isLessThanOrEqualTo(threadsBefore + 5);
        });
        // every op answered 200 is in the feed once; none of the 503-answered attempts is. Within 30 s: this test
        // runs two servers on one database, and after ten outages in a row the change feed's one segment may be
        // claimed by a processor that did not get to release it; the other server takes it over only after Axon's
        // claim timeout (10 s) and its next claim attempt (every 5 s), plus the retry back-off of a failed fetch
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                parse(get(token, "/api/v1/sync/pull?deviceId=dev-x").body()).path("changes").size())
                .isEqualTo(11));
        JsonNode changes = parse(get(token, "/api/v1/sync/pull?deviceId=dev-x").body()).path("changes");
        assertThat(changes.findValuesAsText("text")).containsOnly("warm", "ok").hasSize(11);
    }

    private static void assertUnavailable(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(parse(response.body()).path("code").asText()).isEqualTo("service_unavailable");
    }

    private static String create(String device, long opId, String text) {
        return json("{'deviceId':'" + device + "','operations':[{'opId':" + opId + ",'type':'create',"
                + "'collection':'notes','id':'r" + opId + "','data':{'text':'" + text + "'}}]}");
    }

    @Override
    protected HttpResponse<String> push(String token, String body) {
        return call(HttpRequest.newBuilder(node("/api/v1/sync/push")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Override
    protected HttpResponse<String> get(String token, String path) {
        return call(HttpRequest.newBuilder(node(path)).header("Authorization", "Bearer " + token).GET());
    }

    private URI node(String path) {
        return URI.create("http://localhost:" + nodePort + path);
    }

    private static HttpResponse<String> call(HttpRequest.Builder request) {
        try {
            return CLIENT.send(request.timeout(ANSWER_WITHIN).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new AssertionError("no answer within " + ANSWER_WITHIN, e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
