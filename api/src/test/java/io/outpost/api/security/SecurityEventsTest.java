package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.Jwts;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The security events (docs/security.md, "Security events"): each type is recorded by the real server with the right
 * fields, shown by {@code GET /admin/security-events} to its tenant's admins only, counted in {@code /admin/stats}
 * when it has no tenant, and never stores a password or a token.
 */
class SecurityEventsTest extends ServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    private SecurityEvents events;
    @Autowired
    private JwtSecret secret;

    /** A client address of its own per test, so its rows are told apart from every other test's. */
    private final String clientAddress = "10." + ThreadLocalRandom.current().nextInt(100, 200) + "."
            + ThreadLocalRandom.current().nextInt(256) + "." + ThreadLocalRandom.current().nextInt(256);

    // ---- helpers --------------------------------------------------------------------------------------------------

    private HttpResponse<String> login(String username, String password) {
        return send(HttpRequest.newBuilder(uri("/api/v1/auth/token"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", clientAddress)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}")));
    }

    private HttpResponse<String> getWith(String authorization, String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("X-Forwarded-For", clientAddress)
                .GET();
        if (authorization != null) request.header("Authorization", authorization);
        return send(request);
    }

    private HttpResponse<String> eventsPage(String adminToken, String query) {
        return get(adminToken, "/api/v1/admin/security-events" + query);
    }

    private JsonNode eventsOk(String adminToken, String query) {
        HttpResponse<String> r = eventsPage(adminToken, query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    /** This test's stored rows (by its client address), oldest first. */
    private List<Map<String, Object>> rows() {
        return jdbc.queryForList("SELECT * FROM security_events WHERE address = ? ORDER BY id", clientAddress);
    }

    private List<Map<String, Object>> awaitRows(int n) {
        await().atMost(WAIT).until(() -> rows().size() >= n);
        List<Map<String, Object>> rows = rows();
        assertThat(rows).hasSize(n);
        return rows;
    }

    /** Rows of the whole table in which any column holds {@code secretText}. */
    private long rowsContaining(String secretText) {
        return jdbc.queryForObject("SELECT count(*) FROM security_events WHERE strpos(concat_ws('|', id::text, "
                + "at::text, type, address, user_id, tenant, device_id, endpoint, reason), ?) > 0", Long.class,
                secretText);
    }

    private Map<String, Long> untenantedCounts() {
        JsonNode stats = parse(get(token(anyTenant(), "boss", Role.ADMIN), "/api/v1/admin/stats").body());
        JsonNode counts = stats.path("securityEventsWithoutTenant");
        Map<String, Long> out = new java.util.TreeMap<>();
        counts.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().asLong()));
        return out;
    }

    private static List<JsonNode> list(JsonNode page) {
        List<JsonNode> out = new ArrayList<>();
        page.path("events").forEach(out::add);
        return out;
    }

    // ---- each type ------------------------------------------------------------------------------------------------

    @Test
    void aFailedLoginIsRecordedWithTheClaimedUserAndTheAccountsTenantButNeverThePassword() {
        String password = "guess-" + UUID.randomUUID();
        Map<String, Long> before = untenantedCounts();
        assertThat(login("nurse1", password).statusCode()).isEqualTo(401);
        String stranger = "nobody-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(login(stranger, password).statusCode()).isEqualTo(401);

        List<Map<String, Object>> rows = awaitRows(2);
        assertThat(rows.get(0)).containsEntry("type", "login_failed").containsEntry("user_id", "nurse1")
                .containsEntry("tenant", "clinic-a").containsEntry("endpoint", "POST /api/v1/auth/token")
                .containsEntry("reason", "wrong username or password").containsEntry("device_id", null);
        assertThat(rows.get(1)).containsEntry("type", "login_failed").containsEntry("user_id", stranger)
                .containsEntry("tenant", null);
        assertThat(rowsContaining(password)).isZero();

        // clinic-a's admin sees the event (with its fields), another tenant's admin does not
        String clinicAdmin = token("clinic-a", "boss", Role.ADMIN);
        long id = ((Number) rows.get(0).get("id")).longValue();
        List<JsonNode> seen = list(eventsOk(clinicAdmin, "?type=login_failed&userId=nurse1&limit=1&after=" + (id - 1)));
        assertThat(seen).hasSize(1);
        JsonNode event = seen.get(0);
        assertThat(event.path("id").asLong()).isEqualTo(id);
        assertThat(event.path("address").asText()).isEqualTo(clientAddress);
        assertThat(event.path("userId").asText()).isEqualTo("nurse1");
        assertThat(event.path("type").asText()).isEqualTo("login_failed");
        assertThat(event.path("tenant").asText()).isEqualTo("clinic-a");
        assertThat(event.path("endpoint").asText()).isEqualTo("POST /api/v1/auth/token");
        assertThat(Instant.parse(event.path("at").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(event.has("deviceId")).as("unknown fields are left out").isFalse();
        assertThat(list(eventsOk(token(anyTenant(), "boss", Role.ADMIN), "?limit=1000"))).isEmpty();
        // the unknown user's attempt has no tenant: a count in /admin/stats
        await().atMost(WAIT).until(() -> untenantedCounts().get("login_failed") >= before.get("login_failed") + 1);
    }

    @Test
    void theTokenEndpointsPerAddressLimitIsRecordedAsRateLimited() {
        // sync.rate-limit.auth-per-minute is 5 in the test profile
        HttpResponse<String> last = null;
        for (int i = 0; i < 6; i++) last = login("nurse1", "wrong");
        assertThat(last.statusCode()).isEqualTo(429);
        List<Map<String, Object>> rows = awaitRows(6);
        assertThat(rows.stream().map(r -> r.get("type")).toList()).containsExactly("login_failed", "login_failed",
                "login_failed", "login_failed", "login_failed", "rate_limited");
        assertThat(rows.get(5)).containsEntry("user_id", "nurse1").containsEntry("tenant", "clinic-a")
                .containsEntry("endpoint", "POST /api/v1/auth/token");
    }

    @Test
    void refusedTokensAreRecordedWithATenantOnlyWhenTheSignatureVerified() {
        String tenant = anyTenant();
        String valid = token(tenant, "mallory", Role.USER);
        String[] parts = valid.split("\\.");
        String expired = jwt.issue(new SyncPrincipal(tenant, "late-user", Set.of(Role.USER)), Duration.ofMinutes(-5));
        String wrongSignature = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
        String unsigned = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes())
                + "." + parts[1] + ".";
        Map<String, Long> before = untenantedCounts();

        assertThat(getWith("Bearer " + expired, "/api/v1/collections").statusCode()).isEqualTo(401);
        assertThat(getWith("Bearer " + wrongSignature, "/api/v1/collections").statusCode()).isEqualTo(401);
        assertThat(getWith("Bearer " + unsigned, "/api/v1/collections").statusCode()).isEqualTo(401);
        assertThat(getWith("Basic bnVyc2UxOm51cnNlLXBhc3N3b3JkLTE=", "/api/v1/collections?x=1").statusCode())
                .isEqualTo(401);
        assertThat(getWith(null, "/api/v1/collections").statusCode()).as("no token: no event").isEqualTo(401);

        List<Map<String, Object>> rows = awaitRows(4);
        assertThat(rows).allSatisfy(r -> assertThat(r).containsEntry("type", "token_rejected")
                .containsEntry("endpoint", "GET /api/v1/collections"));
        assertThat(rows.get(0)).containsEntry("reason", "expired").containsEntry("tenant", tenant)
                .containsEntry("user_id", "late-user");
        assertThat(rows.get(1)).containsEntry("reason", "bad signature").containsEntry("tenant", null)
                .containsEntry("user_id", null);
        assertThat(rows.get(2)).containsEntry("reason", "unsigned token (alg none)").containsEntry("tenant", null)
                .containsEntry("user_id", null);
        assertThat(rows.get(3).get("reason").toString()).contains("not a bearer token");
        for (String secretText : List.of(expired, wrongSignature, unsigned, parts[1], parts[2],
                "bnVyc2UxOm51cnNlLXBhc3N3b3JkLTE=", "nurse-password-1")) {
            assertThat(rowsContaining(secretText)).as("no token stored").isZero();
        }

        // the expired one is its tenant's; the others only counts in /admin/stats, for every tenant's admins
        List<JsonNode> shown = list(eventsOk(token(tenant, "boss", Role.ADMIN), "?type=token_rejected"));
        assertThat(shown).hasSize(1);
        assertThat(shown.get(0).path("userId").asText()).isEqualTo("late-user");
        await().atMost(WAIT).until(() -> untenantedCounts().get("token_rejected")
                >= before.get("token_rejected") + 3);
        assertThat(untenantedCounts().keySet()).containsExactlyInAnyOrder("login_failed", "token_rejected",
                "device_refused", "role_refused", "rate_limited", "tenant_refused");
    }

    @Test
    void aTokenWithoutAValidTenantClaimIsRecordedAsTenantRefused() {
        String user = "no-tenant-" + UUID.randomUUID().toString().substring(0, 8);
        String noTenant = Jwts.builder().subject(user).claim("roles", List.of("admin"))
                .expiration(Date.from(Instant.now().plusSeconds(600))).signWith(secret.key(), Jwts.SIG.HS256)
                .compact();
        String badTenant = Jwts.builder().subject(user).claim("tenant", "no spaces allowed")
                .expiration(Date.from(Instant.now().plusSeconds(600))).signWith(secret.key(), Jwts.SIG.HS256)
                .compact();
        Map<String, Long> before = untenantedCounts();
        assertThat(getWith("Bearer " + noTenant, "/api/v1/admin/stats").statusCode()).isEqualTo(401);
        assertThat(getWith("Bearer " + badTenant, "/api/v1/admin/stats").statusCode()).isEqualTo(401);

        List<Map<String, Object>> rows = awaitRows(2);
        assertThat(rows).allSatisfy(r -> assertThat(r).containsEntry("type", "tenant_refused")
                .containsEntry("user_id", user).containsEntry("tenant", null)
                .containsEntry("reason", "no valid tenant claim").containsEntry("endpoint", "GET /api/v1/admin/stats"));
        assertThat(rowsContaining(noTenant.split("\\.")[2])).isZero();
        await().atMost(WAIT).until(() -> untenantedCounts().get("tenant_refused")
                >= before.get("tenant_refused") + 2);
    }

    @Test
    void aRoleRefusalIsRecordedWithTheCallersTenantAndUser() {
        String tenant = anyTenant();
        assertThat(getWith("Bearer " + token(tenant, "curious", Role.USER), "/api/v1/admin/stats?userId=x")
                .statusCode()).isEqualTo(403);
        assertThat(getWith("Bearer " + token(tenant, "reader", Role.AUDITOR), "/api/v1/sync/pull?deviceId=d1")
                .statusCode()).isEqualTo(403);

        List<Map<String, Object>> rows = awaitRows(2);
        assertThat(rows.get(0)).containsEntry("type", "role_refused").containsEntry("tenant", tenant)
                .containsEntry("user_id", "curious").containsEntry("endpoint", "GET /api/v1/admin/stats");
        assertThat(rows.get(0).get("reason").toString()).contains("(user)");
        assertThat(rows.get(1)).containsEntry("user_id", "reader").containsEntry("endpoint", "GET /api/v1/sync/pull");

        String admin = token(tenant, "boss", Role.ADMIN);
        assertThat(list(eventsOk(admin, "?type=role_refused"))).extracting(e -> e.path("userId").asText())
                .containsExactly("curious", "reader");
        assertThat(list(eventsOk(token(anyTenant(), "boss", Role.ADMIN), "?type=role_refused"))).isEmpty();
    }

    @Test
    void aDeviceOfAnotherUserIsRecordedAsDeviceRefused() {
        String tenant = anyTenant();
        String device = anyDevice();
        pushOk(token(tenant, "owner", Role.USER), json("{'deviceId':'" + device + "','operations':[]}"));
        String intruder = token(tenant, "intruder", Role.USER);
        assertThat(getWith("Bearer " + intruder, "/api/v1/sync/pull?deviceId=" + device).statusCode())
                .isEqualTo(403);
        HttpResponse<String> pushed = send(HttpRequest.newBuilder(uri("/api/v1/sync/push"))
                .header("Authorization", "Bearer " + intruder).header("X-Forwarded-For", clientAddress)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json("{'deviceId':'" + device + "','operations':[]}"))));
        assertThat(pushed.statusCode()).isEqualTo(403);

        List<Map<String, Object>> rows = awaitRows(2);
        assertThat(rows).allSatisfy(r -> assertThat(r).containsEntry("type", "device_refused")
                .containsEntry("tenant", tenant).containsEntry("user_id", "intruder")
                .containsEntry("device_id", device));
        assertThat(rows.get(0)).containsEntry("endpoint", "GET /api/v1/sync/pull");
        assertThat(rows.get(1)).containsEntry("endpoint", "POST /api/v1/sync/push");

        List<JsonNode> shown = list(eventsOk(token(tenant, "boss", Role.ADMIN), "?type=device_refused"));
        assertThat(shown).hasSize(2);
        assertThat(shown.get(0).path("deviceId").asText()).isEqualTo(device);
        assertThat(list(eventsOk(token(anyTenant(), "boss", Role.ADMIN), "?type=device_refused"))).isEmpty();
    }

    // ---- the endpoint ---------------------------------------------------------------------------------------------

    @Test
    void theEndpointFiltersAndPagesNewestLast() {
        String tenant = anyTenant();
        for (int i = 0; i < 3; i++) {
            events.record(SecurityEvents.Type.ROLE_REFUSED, "10.1.1.1", tenant, "alice", null, "GET /x", "r" + i);
        }
        events.record(SecurityEvents.Type.LOGIN_FAILED, "10.1.1.2", tenant, "bob", null, "POST /y", "l0");
        events.record(SecurityEvents.Type.LOGIN_FAILED, "10.1.1.2", tenant, "bob", null, "POST /y", "l1");
        String admin = token(tenant, "boss", Role.ADMIN);
        await().atMost(WAIT).until(() -> list(eventsOk(admin, "")).size() == 5);

        List<JsonNode> all = list(eventsOk(admin, ""));
        assertThat(all).extracting(e -> e.path("reason").asText()).containsExactly("r0", "r1", "r2", "l0", "l1");
        assertThat(all).extracting(e -> e.path("id").asLong()).isSorted();
        assertThat(eventsOk(admin, "").has("next")).as("nothing more").isFalse();

        JsonNode first = eventsOk(admin, "?limit=2");
        assertThat(list(first)).extracting(e -> e.path("reason").asText()).containsExactly("r0", "r1");
        assertThat(first.path("next").asLong()).isEqualTo(all.get(1).path("id").asLong());
        JsonNode second = eventsOk(admin, "?limit=2&after=" + first.path("next").asLong());
        assertThat(list(second)).extracting(e -> e.path("reason").asText()).containsExactly("r2", "l0");
        JsonNode third = eventsOk(admin, "?limit=2&after=" + second.path("next").asLong());
        assertThat(list(third)).extracting(e -> e.path("reason").asText()).containsExactly("l1");
        assertThat(third.has("next")).isFalse();

        assertThat(list(eventsOk(admin, "?type=login_failed"))).extracting(e -> e.path("reason").asText())
                .containsExactly("l0", "l1");
        assertThat(list(eventsOk(admin, "?userId=alice"))).hasSize(3);
        assertThat(list(eventsOk(admin, "?type=login_failed&userId=alice"))).isEmpty();
        assertThat(list(eventsOk(admin, "?type=role_refused&userId=alice&limit=1&after="
                + all.get(0).path("id").asLong()))).extracting(e -> e.path("reason").asText()).containsExactly("r1");
        assertThat(list(eventsOk(admin, "?limit=1000"))).hasSize(5);
        assertThat(list(eventsOk(admin, "?limit=1"))).hasSize(1);
        assertThat(list(eventsOk(token(anyTenant(), "boss", Role.ADMIN), ""))).isEmpty();
    }

    @Test
    void badParametersAre400InvalidRequestNamingTheField() {
        String admin = token(anyTenant(), "boss", Role.ADMIN);
        for (String[] bad : new String[][]{{"?type=login-failed", "type"}, {"?type=", "type"},
                {"?limit=0", "limit"}, {"?limit=1001", "limit"}, {"?limit=many", "limit"}, {"?after=-1", "after"},
                {"?after=x", "after"}}) {
            HttpResponse<String> r = eventsPage(admin, bad[0]);
            assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
            JsonNode problem = parse(r.body());
            assertThat(problem.path("code").asText()).isEqualTo("invalid_request");
            assertThat(problem.path("errors").get(0).path("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
    }

    // ---- retention ------------------------------------------------------------------------------------------------

    @Test
    void theRetentionRunDeletesEventsOlderThanTheRetentionAndKeepsRecentOnes() {
        String tenant = anyTenant();
        String insert = "INSERT INTO security_events (at, type, address, tenant, endpoint, reason) "
                + "VALUES (?, 'login_failed', '10.0.0.1', ?, 'POST /api/v1/auth/token', ?)";
        jdbc.update(insert, Timestamp.from(Instant.now().minus(Duration.ofDays(91))), tenant, "old");
        jdbc.update(insert, Timestamp.from(Instant.now().minus(Duration.ofDays(89))), tenant, "recent");

        assertThat(events.deleteExpired()).isPositive();
        assertThat(jdbc.queryForList("SELECT reason FROM security_events WHERE tenant = ?", String.class, tenant))
                .containsExactly("recent");
    }
}
