package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Tenant B can neither read, change, list, resolve, audit nor guess any of tenant A's records, conflicts, events or
 * cursors — every role of B, every way in.
 */
class TenantIsolationTest extends ServerTest {

    @Test
    void tenantBSeesAndTouchesNothingOfTenantA() {
        String a = anyTenant();
        String b = anyTenant();
        String aUser = token(a, "nurse", Role.USER);
        pushOk(aUser, json("{'deviceId':'tablet-a','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'secret','data':{'dose':5}},"
                + "{'opId':2,'type':'create','collection':'manual_notes','id':'m','data':{'t':1}},"
                + "{'opId':3,'type':'update','collection':'manual_notes','id':'m','baseVersion':1,'data':{'t':2}}]}"));
        JsonNode parked = pushOk(token(a, "other", Role.USER), json("{'deviceId':'tablet-a2','operations':["
                + "{'opId':1,'type':'update','collection':'manual_notes','id':'m','baseVersion':1,'data':{'t':3}}]}"))
                .path("results").get(0);
        String conflictId = parked.path("conflict").path("conflictId").asText();
        String aAdmin = token(a, "boss", Role.ADMIN);
        await().atMost(Duration.ofSeconds(30)).until(() -> parse(get(aAdmin, "/api/v1/conflicts").body()).size() == 1);
        String aCursor = drain(aUser, "tablet-a", null, null, 100).cursor();

        String bUser = token(b, "nurse", Role.USER);
        String bAdmin = token(b, "boss", Role.ADMIN);
        String bAuditor = token(b, "aud", Role.AUDITOR);

        // read
        assertThat(drain(bUser, "tablet-b", null, null, 100).changes()).isEmpty();
        assertThat(drain(bAdmin, "tablet-b2", null, null, 100).changes()).isEmpty();
        // cursors
        HttpResponse<String> foreignCursor = pull(bUser, "tablet-b", aCursor, null, 100);
        assertThat(foreignCursor.statusCode()).isEqualTo(400);
        assertThat(parse(foreignCursor.body()).path("code").asText()).isEqualTo("invalid_cursor");
        // list and resolve conflicts
        assertThat(parse(get(bAdmin, "/api/v1/conflicts").body()).size()).isZero();
        HttpResponse<String> resolve = send(HttpRequest.newBuilder(uri("/api/v1/conflicts/" + conflictId + "/resolve"))
                .header("Authorization", "Bearer " + bAdmin).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resolution\":\"server\"}")));
        assertThat(resolve.statusCode()).isEqualTo(404);
        // audit
        for (String path : new String[]{"/api/v1/audit/records/notes/secret/history",
                "/api/v1/audit/records/notes/secret?version=1", "/api/v1/audit/records/notes/secret/verify"}) {
            assertThat(get(bAuditor, path).statusCode()).as(path).isEqualTo(404);
        }
        JsonNode events = parse(get(bAuditor, "/api/v1/audit/events").body()).path("events");
        assertThat(events.size()).isZero();
        JsonNode stats = parse(get(bAdmin, "/api/v1/admin/stats").body());
        stats.path("perDevice").forEach(d -> assertThat(d.path("deviceId").asText()).startsWith("tablet-b"));
        assertThat(stats.path("operations").path("applied").asLong()).isZero();
        assertThat(parse(get(bAdmin, "/api/v1/admin/verify").body()).path("records").asLong()).isZero();
        // guess a device
        JsonNode status = parse(get(bUser, "/api/v1/sync/status?deviceId=tablet-a").body());
        assertThat(status.path("lastProcessedOpId").asLong()).isZero();
        assertThat(status.path("userId").asText()).isEqualTo("nurse");
        // change
        JsonNode update = pushOk(bUser, json("{'deviceId':'tablet-b','operations':[{'opId':1,'type':'update',"
                + "'collection':'notes','id':'secret','baseVersion':1,'data':{'dose':500}}]}")).path("results").get(0);
        assertThat(update.path("error").path("code").asText()).isEqualTo("not_found");
        JsonNode create = pushOk(bUser, json("{'deviceId':'tablet-b','operations':[{'opId':2,'type':'create',"
                + "'collection':'notes','id':'secret','data':{'dose':500}}]}")).path("results").get(0);
        assertThat(create.path("status").asText()).as("B's own record of the same id").isEqualTo("applied");
        assertThat(create.path("version").asLong()).isEqualTo(1);

        JsonNode aRecord = parse(get(token(a, "aud", Role.AUDITOR), "/api/v1/audit/records/notes/secret?version=1")
                .body());
        assertThat(aRecord.path("data").path("dose").asInt()).isEqualTo(5);
        assertThat(parse(get(token(a, "aud", Role.AUDITOR), "/api/v1/audit/records/notes/secret/history").body()))
                .hasSize(1);
    }
}
