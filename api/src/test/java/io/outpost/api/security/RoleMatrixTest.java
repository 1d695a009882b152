package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * EVERY endpoint against every kind of caller: no token, an expired token, a wrong signature, {@code alg: none}, and
 * each role. A new endpoint must be added to {@link #ENDPOINTS}: {@code RoleMatrixCompletenessTest} fails otherwise.
 */
class RoleMatrixTest extends ServerTest {

    /**
     * @param allowed       roles that get in ({@code null}: public, no token needed)
     * @param allowedStatus what an allowed caller gets for this request (0: not called with allowed roles here,
     *                      because it has effects on the whole server; covered by its own test)
     */
    record Endpoint(String method, String path, String body, Set<Role> allowed, int allowedStatus) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static final Set<Role> SYNC = Set.of(Role.USER, Role.ADMIN);
    static final Set<Role> AUDIT = Set.of(Role.AUDITOR, Role.ADMIN);
    static final Set<Role> ADMIN = Set.of(Role.ADMIN);
    static final Set<Role> ANY = Set.of(Role.USER, Role.ADMIN, Role.AUDITOR);

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/api/v1/sync/push", "{\"deviceId\":\"DEVICE\",\"operations\":[]}", SYNC, 200),
            new Endpoint("GET", "/api/v1/sync/pull?deviceId=DEVICE", null, SYNC, 200),
            new Endpoint("GET", "/api/v1/sync/status?deviceId=DEVICE", null, SYNC, 200),
            new Endpoint("GET", "/api/v1/sync/stream?deviceId=DEVICE", null, SYNC, 200),
            new Endpoint("GET", "/api/v1/conflicts", null, SYNC, 200),
            new Endpoint("POST", "/api/v1/conflicts/c.bm90ZXMveA.1.d/resolve", "{\"resolution\":\"server\"}", SYNC,
                    404),
            new Endpoint("GET", "/api/v1/collections", null, ANY, 200),
            new Endpoint("GET", "/api/v1/audit/records/notes/x/history", null, AUDIT, 404),
            new Endpoint("GET", "/api/v1/audit/records/notes/x?version=1", null, AUDIT, 404),
            new Endpoint("GET", "/api/v1/audit/records/notes/x/verify", null, AUDIT, 404),
            new Endpoint("GET", "/api/v1/audit/events", null, AUDIT, 200),
            new Endpoint("GET", "/api/v1/admin/stats", null, ADMIN, 200),
            new Endpoint("GET", "/api/v1/admin/security-events", null, ADMIN, 200),
            new Endpoint("GET", "/api/v1/admin/verify", null, ADMIN, 200),
            new Endpoint("GET", "/api/v1/admin/projections", null, ADMIN, 200),
            new Endpoint("GET", "/api/v1/admin/devices", null, ADMIN, 200),
            new Endpoint("GET", "/api/v1/admin/stats/history", null, ADMIN, 200),
            new Endpoint("POST", "/api/v1/admin/devices/never-seen/revoke", null, ADMIN, 404),
            new Endpoint("POST", "/api/v1/admin/projections/rebuild", null, ADMIN, 0),
            new Endpoint("GET", "/actuator/prometheus", null, ANY, 200),
            new Endpoint("GET", "/actuator/metrics", null, ANY, 200),
            new Endpoint("POST", "/api/v1/auth/token", "{}", null, 400),
            new Endpoint("GET", "/actuator/health", null, null, 200),
            new Endpoint("GET", "/v3/api-docs", null, null, 200),
            // the Sync Control page (it signs in itself) and the browser SDK's modules
            new Endpoint("GET", "/", null, null, 302),
            new Endpoint("GET", "/app", null, null, 302),
            new Endpoint("GET", "/app/", null, null, 200),
            // the console (it signs in itself; the API it calls checks the roles)
            new Endpoint("GET", "/console", null, null, 302),
            new Endpoint("GET", "/console/", null, null, 200),
            new Endpoint("GET", "/sdk/outpost-sync.d.ts", null, null, 200));

    private static final java.util.concurrent.atomic.AtomicInteger ADDRESS = new java.util.concurrent.atomic.AtomicInteger();

    private HttpResponse<?> call(Endpoint e, String token, String device) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(e.path().replace("DEVICE", device)))
                .timeout(Duration.ofSeconds(30));
        if (token != null) request.header("Authorization", "Bearer " + token);
        // a client address of its own per call, so the token endpoint's per-address limit does not interfere
        request.header("X-Forwarded-For", "10.77." + (ADDRESS.incrementAndGet() / 250 % 250) + "."
                + (ADDRESS.get() % 250));
        if (e.body() != null) {
            request.header("Content-Type", "application/json")
                    .method(e.method(), HttpRequest.BodyPublishers.ofString(e.body().replace("DEVICE", device)));
        } else {
            request.method(e.method(), HttpRequest.BodyPublishers.noBody());
        }
        if (e.path().contains("/stream")) {
            try {
                HttpResponse<Stream<String>> streaming = java.net.http.HttpClient.newHttpClient()
                        .send(request.build(), HttpResponse.BodyHandlers.ofLines());
                streaming.body().close();
                return streaming;
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }
        return send(request);
    }

    private static String unsigned(String token) {
        String[] parts = token.split("\\.");
        return Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes()) + "."
                + parts[1] + ".";
    }

    @TestFactory
    Stream<DynamicTest> everyEndpointAnswersEveryCallerAsTheContractSays() {
        String tenant = anyTenant();
        String valid = token(tenant, "someone", Role.USER);
        String[] parts = valid.split("\\.");
        String expired = jwt.issue(new SyncPrincipal(tenant, "someone", Set.of(Role.ADMIN)), Duration.ofMinutes(-5));
        String wrongSignature = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
        List<DynamicTest> tests = new ArrayList<>();
        for (Endpoint e : ENDPOINTS) {
            for (String[] bad : new String[][]{{"no token", null}, {"expired", expired},
                    {"wrong signature", wrongSignature}, {"alg none", unsigned(valid)}}) {
                tests.add(DynamicTest.dynamicTest(e + " with " + bad[0], () -> {
                    HttpResponse<?> response = call(e, bad[1], "dev-x");
                    int status = response.statusCode();
                    if (e.allowed() == null) {
                        assertThat(status).isEqualTo(e.allowedStatus());
                    } else {
                        assertThat(status).isEqualTo(401);
                        if (!e.path().contains("/stream")) assertThat(response.body()).asString().as("a problem naming the request's path")
                                .contains("\"code\":\"unauthorized\"")
                                .contains("\"instance\":\"" + e.path().replaceAll("\\?.*", "") + "\"");
                    }
                }));
            }
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(e + " as " + role, () -> {
                    String token = token(tenant, "as-" + role, role);
                    boolean allowed = e.allowed() == null || e.allowed().contains(role);
                    if (allowed && e.allowedStatus() == 0) return;
                    HttpResponse<?> response = call(e, token, "dev-" + role);
                    assertThat(response.statusCode()).as(String.valueOf(response.body()))
                            .isEqualTo(allowed ? e.allowedStatus() : 403);
                    if (!allowed && !e.path().contains("/stream")) {
                        assertThat(response.body()).asString().contains("\"code\":\"forbidden\"")
                                .contains("\"instance\":\"" + e.path().replaceAll("\\?.*", "") + "\"");
                    }
                }));
            }
        }
        return tests.stream();
    }
}
