package io.outpost.api.conflicts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Manual conflicts end to end: parked on push, listed, resolved over HTTP, pulled by every device. */
class ConflictsApiTest extends ServerTest {

    private String tenant;
    private String nurse1;
    private String nurse2;
    private String admin;

    @BeforeEach
    void twoNursesAndAnAdmin() {
        tenant = anyTenant();
        nurse1 = token(tenant, "nurse-1", Role.USER);
        nurse2 = token(tenant, "nurse-2", Role.USER);
        admin = token(tenant, "boss", Role.USER, Role.ADMIN);
    }


    private HttpResponse<String> resolve(String token, String conflictId, String body) {
        return send(HttpRequest.newBuilder(uri("/api/v1/conflicts/" + conflictId + "/resolve"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json(body))));
    }

    private JsonNode list(String token, String query) {
        HttpResponse<String> r = get(token, "/api/v1/conflicts" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    /** Both nurses hold version 1 of a record; nurse 1's edit lands first, nurse 2's is parked. */
    private String parkedConflict(String collection, String field, String nurse2Value) {
        pushOk(nurse1, json("{'deviceId':'dev-a','operations':[{'opId':1,'type':'create','collection':'"
                + collection + "','id':'r-1','data':{'patient':'p','drug':'x','dose':5}}]}"));
        pushOk(nurse1, json("{'deviceId':'dev-a','operations':[{'opId':2,'type':'update','collection':'"
                + collection + "','id':'r-1','baseVersion':1,'data':{'" + field + "':10}}]}"));
        JsonNode result = pushOk(nurse2, json("{'deviceId':'dev-b','operations':[{'opId':1,'type':'update',"
                + "'collection':'" + collection + "','id':'r-1','baseVersion':1,'data':{'" + field + "':"
                + nurse2Value + "}}]}")).path("results").get(0);
        assertThat(result.path("status").asText()).isEqualTo("conflict");
        assertThat(result.path("conflict").path("strategy").asText()).isEqualTo("manual");
        assertThat(result.path("version").asLong()).isEqualTo(2);
        assertThat(result.path("data").path(field).asInt()).isEqualTo(10);
        String conflictId = result.path("conflict").path("conflictId").asText();
        assertThat(conflictId).isNotBlank();
        await().atMost(Duration.ofSeconds(30)).until(() -> list(admin, "?status=open").size() == 1);
        return conflictId;
    }

    @Test
    void twoDevicesEditOfflineTheAdminResolvesAndBothDevicesPullTheResult() {
        String conflictId = parkedConflict("manual_notes", "dose", "20");

        JsonNode resent = pushOk(nurse2, json("{'deviceId':'dev-b','operations':[{'opId':1,'type':'update',"
                + "'collection':'manual_notes','id':'r-1','baseVersion':1,'data':{'dose':20}}]}"))
                .path("results").get(0);
        assertThat(resent.path("duplicate").asBoolean()).isTrue();
        assertThat(resent.path("conflict").path("conflictId").asText()).isEqualTo(conflictId);

        JsonNode open = list(admin, "?status=open").get(0);
        assertThat(open.path("conflictId").asText()).isEqualTo(conflictId);
        assertThat(open.path("userId").asText()).isEqualTo("nurse-2");
        assertThat(open.path("deviceId").asText()).isEqualTo("dev-b");
        assertThat(open.path("baseVersion").asLong()).isEqualTo(1);
        assertThat(open.path("serverVersion").asLong()).isEqualTo(2);
        assertThat(open.path("clientData").path("dose").asInt()).isEqualTo(20);
        assertThat(open.path("serverData").path("dose").asInt()).isEqualTo(10);
        assertThat(open.path("fields").get(0).asText()).isEqualTo("dose");
        assertThat(parse(get(nurse2, "/api/v1/sync/status?deviceId=dev-b").body()).path("openConflicts").asLong())
                .isEqualTo(1);

        HttpResponse<String> resolved = resolve(admin, conflictId,
                "{'resolution':'custom','data':{'patient':'p','drug':'x','dose':15}}");
        assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
        assertThat(parse(resolved.body()).path("version").asLong()).isEqualTo(3);
        assertThat(parse(resolved.body()).path("data").path("dose").asInt()).isEqualTo(15);

        for (String[] device : new String[][]{{nurse1, "dev-a"}, {nurse2, "dev-b"}}) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode change = drain(device[0], device[1], null, "manual_notes", 100).changes().get(0);
                return change.path("version").asLong() == 3 && change.path("data").path("dose").asInt() == 15;
            });
        }
        HttpResponse<String> again = resolve(admin, conflictId, "{'resolution':'server'}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(parse(again.body()).path("code").asText()).isEqualTo("conflict_already_resolved");
        await().atMost(Duration.ofSeconds(30)).until(() -> list(admin, "?status=resolved").size() == 1);
        JsonNode done = list(admin, "?status=resolved").get(0);
        assertThat(done.path("resolution").path("resolution").asText()).isEqualTo("custom");
        assertThat(done.path("resolution").path("resolvedBy").asText()).isEqualTo("boss");
        assertThat(parse(get(nurse2, "/api/v1/sync/status?deviceId=dev-b").body()).path("openConflicts").asLong())
                .isZero();
    }

    @Test
    void usersSeeAndResolveOnlyTheirOwnConflictsAndOtherTenantsNone() {
        String conflictId = parkedConflict("manual_notes", "dose", "20");
        assertThat(list(nurse2, "").size()).isEqualTo(1);
        assertThat(list(nurse1, "").size()).isZero();
        String stranger = userToken(anyTenant());
        assertThat(list(stranger, "").size()).isZero();

        assertThat(resolve(stranger, conflictId, "{'resolution':'server'}").statusCode()).isEqualTo(404);
        assertThat(resolve(nurse1, conflictId, "{'resolution':'server'}").statusCode()).isEqualTo(403);
        HttpResponse<String> own = resolve(nurse2, conflictId, "{'resolution':'client'}");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(parse(own.body()).path("data").path("dose").asInt()).isEqualTo(20);
        assertThat(parse(own.body()).path("version").asLong()).isEqualTo(3);
    }

    @Test
    void listsFilterByStatusAndCollection() {
        parkedConflict("manual_notes", "dose", "20");
        assertThat(list(admin, "?collection=manual_notes").size()).isEqualTo(1);
        assertThat(list(admin, "?collection=notes").size()).isZero();
        assertThat(list(admin, "?status=resolved").size()).isZero();
        HttpResponse<String> bad = get(admin, "/api/v1/conflicts?status=maybe");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(parse(bad.body()).path("code").asText()).isEqualTo("invalid_request");
    }

    @Test
    void aCustomResolutionIsCheckedAgainstTheSchemaAndAnUnknownConflictIsNotFound() {
        String conflictId = parkedConflict("manual_dispenses", "dose", "20");
        HttpResponse<String> invalid = resolve(admin, conflictId, "{'resolution':'custom','data':{'dose':'lots'}}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(parse(invalid.body()).path("code").asText()).isEqualTo("validation_failed");
        assertThat(parse(invalid.body()).path("errors").size()).isPositive();
        assertThat(resolve(admin, conflictId, "{'resolution':'maybe'}").statusCode()).isEqualTo(400);
        assertThat(resolve(admin, "c.bm9uZQ.1.x", "{'resolution':'server'}").statusCode()).isEqualTo(404);
        assertThat(resolve(admin, "garbage", "{'resolution':'server'}").statusCode()).isEqualTo(404);
        assertThat(resolve(admin, conflictId, "{'resolution':'server'}").statusCode()).isEqualTo(200);
    }

    @Test
    void mergeWithOnOverlapManualParksOnlyOverlappingEdits() {
        pushOk(nurse1, json("{'deviceId':'dev-a','operations':[{'opId':1,'type':'create',"
                + "'collection':'merge_manual_notes','id':'m','data':{'a':1,'b':1}},"
                + "{'opId':2,'type':'update','collection':'merge_manual_notes','id':'m','baseVersion':1,'data':{'a':2}}]}"));
        JsonNode r = pushOk(nurse2, json("{'deviceId':'dev-b','operations':["
                + "{'opId':1,'type':'update','collection':'merge_manual_notes','id':'m','baseVersion':1,'data':{'b':3}},"
                + "{'opId':2,'type':'update','collection':'merge_manual_notes','id':'m','baseVersion':1,'data':{'a':9}}]}"))
                .path("results");
        assertThat(r.get(0).path("status").asText()).isEqualTo("merged");
        assertThat(r.get(1).path("status").asText()).isEqualTo("conflict");
        assertThat(r.get(1).path("conflict").path("strategy").asText()).isEqualTo("manual");
        assertThat(r.get(1).path("conflict").path("fields").get(0).asText()).isEqualTo("a");
    }
}
