package io.outpost.api.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.security.JwtService;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;

/**
 * Base of the tests that talk to the real server over HTTP: the whole application on a random port, on a real
 * PostgreSQL (embedded, or SPRING_DATASOURCE_URL). Each test works in fresh random tenants.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
@AutoConfigureObservability
public abstract class ServerTest {

    protected static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @LocalServerPort
    protected int port;
    @Autowired
    protected JwtService jwt;
    @Autowired
    protected JdbcTemplate jdbc;

    protected static String anyTenant() {
        return "t-" + UUID.randomUUID().toString().substring(0, 12);
    }

    protected static String anyDevice() {
        return "dev-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected String token(String tenant, String user, Role... roles) {
        return jwt.issue(new SyncPrincipal(tenant, user, Set.copyOf(Arrays.asList(roles))));
    }

    protected String userToken(String tenant) {
        return token(tenant, "user-1", Role.USER);
    }

    protected URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    protected HttpResponse<String> push(String token, String body) {
        return send(HttpRequest.newBuilder(uri("/api/v1/sync/push"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Pushes and expects 200; returns the parsed response. */
    protected JsonNode pushOk(String token, String body) {
        HttpResponse<String> response = push(token, body);
        if (response.statusCode() != 200) {
            throw new AssertionError("push answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    /** GET with a bearer token. */
    protected HttpResponse<String> get(String token, String path) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).GET());
    }

    protected HttpResponse<String> pull(String token, String deviceId, String cursor, String collections,
                                        Integer limit) {
        StringBuilder query = new StringBuilder("/api/v1/sync/pull?deviceId=").append(deviceId);
        if (cursor != null) query.append("&cursor=").append(cursor);
        if (collections != null) query.append("&collections=").append(collections);
        if (limit != null) query.append("&limit=").append(limit);
        return send(HttpRequest.newBuilder(uri(query.toString())).header("Authorization", "Bearer " + token).GET());
    }

    protected JsonNode pullOk(String token, String deviceId, String cursor, String collections, Integer limit) {
        HttpResponse<String> response = pull(token, deviceId, cursor, collections, limit);
        if (response.statusCode() != 200) {
            throw new AssertionError("pull answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    /** Every change from {@code cursor} on (null: a snapshot), following cursors until hasMore is false. */
    protected Drained drain(String token, String deviceId, String cursor, String collections, int limit) {
        java.util.List<JsonNode> changes = new java.util.ArrayList<>();
        JsonNode page;
        String next = cursor;
        do {
            page = pullOk(token, deviceId, next, collections, limit);
            page.path("changes").forEach(changes::add);
            next = page.path("cursor").asText();
        } while (page.path("hasMore").asBoolean());
        return new Drained(changes, next, page.path("lastProcessedOpId").asLong());
    }

    protected record Drained(java.util.List<JsonNode> changes, String cursor, long lastProcessedOpId) {
        public java.util.Set<String> ids() {
            java.util.Set<String> ids = new java.util.TreeSet<>();
            changes.forEach(c -> ids.add(c.path("collection").asText() + "/" + c.path("id").asText()));
            return ids;
        }
    }

    protected static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected static HttpResponse<byte[]> sendBytes(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** JSON with single quotes for readability in tests. */
    protected static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    protected static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** Events whose metadata names this tenant: every event an op of the tenant left, free-standing ones too. */
    protected long eventCount(String tenant) {
        return jdbc.queryForObject("SELECT count(*) FROM domain_event_entry "
                + "WHERE convert_from(meta_data, 'UTF8')::jsonb ->> 'tenant' = ?", Long.class, tenant);
    }

    protected long resultRowCount(String tenant) {
        return jdbc.queryForObject("SELECT COALESCE(sum(op_count), 0) FROM push_results WHERE tenant = ?",
                Long.class, tenant);
    }

    /** Everything the push path may have written for a tenant: events, op results, devices, temp ids. */
    protected long footprint(String tenant) {
        return eventCount(tenant) + resultRowCount(tenant)
                + jdbc.queryForObject("SELECT count(*) FROM devices WHERE tenant = ?", Long.class, tenant)
                + jdbc.queryForObject("SELECT count(*) FROM temp_ids WHERE tenant = ?", Long.class, tenant);
    }

    protected long countEvents(String aggregateIdentifier, String eventClassSimpleName) {
        return jdbc.queryForObject("SELECT count(*) FROM domain_event_entry WHERE aggregate_identifier = ? "
                + "AND payload_type = ?", Long.class, aggregateIdentifier,
                "io.outpost.command.api." + eventClassSimpleName);
    }
}
