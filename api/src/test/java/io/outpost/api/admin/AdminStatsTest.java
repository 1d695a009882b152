package io.outpost.api.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code GET /admin/stats}: counts per device and user, tenant-scoped, admins only. */
class AdminStatsTest extends ServerTest {

    private HttpResponse<String> stats(String token, String query) {
        return send(HttpRequest.newBuilder(uri("/api/v1/admin/stats" + query))
                .header("Authorization", "Bearer " + token).GET());
    }

    @Test
    void countsOperationsPerDeviceAndUserOfTheCallersTenantOnly() {
        String tenant = anyTenant();
        String nurse = token(tenant, "nurse-1", Role.USER);
        String ops = "{'opId':1,'type':'create','collection':'notes','id':'a','data':{}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'x':1}},"
                + "{'opId':3,'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'x':2}},"
                + "{'opId':4,'type':'update','collection':'notes','id':'nope','baseVersion':1,'data':{}}";
        pushOk(nurse, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        pushOk(nurse, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        pushOk(token(tenant, "nurse-2", Role.USER), json("{'deviceId':'dev-2','operations':["
                + "{'opId':1,'type':'create','collection':'merge_notes','id':'m','data':{'a':1}}]}"));
        pushOk(userToken(anyTenant()), json("{'deviceId':'dev-9','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'z','data':{}}]}"));

        String admin = token(tenant, "boss", Role.ADMIN);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                parse(stats(admin, "").body()).path("records").asLong() == 2);
        JsonNode all = parse(stats(admin, "").body());
        assertThat(all.path("devices").asLong()).isEqualTo(2);
        assertThat(all.path("operations").path("applied").asLong()).isEqualTo(3);
        assertThat(all.path("operations").path("conflicts").asLong()).isEqualTo(1);
        assertThat(all.path("operations").path("rejected").asLong()).isEqualTo(1);
        assertThat(all.path("operations").path("duplicates").asLong()).isEqualTo(4);
        assertThat(all.path("projectionLag").has("events")).isTrue();
        JsonNode dev1 = all.path("perDevice").get(0);
        assertThat(dev1.path("deviceId").asText()).isEqualTo("dev-1");
        assertThat(dev1.path("successRate").asDouble()).isEqualTo(0.5);
        assertThat(dev1.path("lastPushAt").asText()).isNotBlank();
        assertThat(all.path("perUser")).hasSize(2);

        JsonNode one = parse(stats(admin, "?userId=nurse-2").body());
        assertThat(one.path("devices").asLong()).isEqualTo(1);
        assertThat(one.path("perDevice").get(0).path("successRate").asDouble()).isEqualTo(1.0);
    }

    @Test
    void statsAreForAdminsOnly() {
        String tenant = anyTenant();
        assertThat(stats(userToken(tenant), "").statusCode()).isEqualTo(403);
        assertThat(stats(token(tenant, "aud", Role.AUDITOR), "").statusCode()).isEqualTo(403);
        assertThat(stats(token(tenant, "boss", Role.ADMIN), "").statusCode()).isEqualTo(200);
    }
}
