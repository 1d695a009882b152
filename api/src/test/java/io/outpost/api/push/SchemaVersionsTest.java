package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Versioned collection schemas against the real server (docs/schema-versions.md). The test configuration's
 * {@code patients}: v1 {name}, v2 {fullName, status} (rename, default), v3 {firstName, lastName, status} (split);
 * current 3, oldest accepted 2.
 */
class SchemaVersionsTest extends ServerTest {

    private String tenant;
    private String nurse;

    @BeforeEach
    void setUp() {
        tenant = anyTenant();
        nurse = token(tenant, "nurse-1", Role.USER);
    }

    private HttpResponse<String> pullIn(String device, String schemaVersions) {
        return send(HttpRequest.newBuilder(uri("/api/v1/sync/pull?deviceId=" + device + "&collections=patients"
                + (schemaVersions == null ? "" : "&schemaVersions=" + schemaVersions)))
                .header("Authorization", "Bearer " + nurse).GET());
    }

    private JsonNode onlyRecord(String device, String schemaVersions) {
        HttpResponse<String> r = pullIn(device, schemaVersions);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode changes = parse(r.body()).path("changes");
        assertThat(changes).hasSize(1);
        return changes.get(0);
    }

    @Test
    void anOldAppsCreateIsUpgradedOnArrivalAndEachAppPullsItsOwnShape() {
        JsonNode result = pushOk(nurse, json("{'deviceId':'old-app','operations':[{'opId':1,'type':'create',"
                + "'collection':'patients','id':'p1','schemaVersion':2,"
                + "'data':{'fullName':'Ada Lovelace King','status':'active','ward':'3'}}]}")).path("results").get(0);
        assertThat(result.path("status").asText()).as(result.toString()).isEqualTo("applied");

        assertThat(onlyRecord("new-app", null).path("data")).isEqualTo(parse(json(
                "{'firstName':'Ada','lastName':'Lovelace King','status':'active','ward':'3'}")));
        assertThat(onlyRecord("new-app", "patients:3").path("data"))
                .isEqualTo(onlyRecord("new-app", null).path("data"));
        assertThat(onlyRecord("old-app", "patients:2").path("data")).isEqualTo(parse(json(
                "{'fullName':'Ada Lovelace King','status':'active','ward':'3'}")));

        JsonNode history = parse(get(token(tenant, "aud", Role.AUDITOR),
                "/api/v1/audit/records/patients/p1/history").body());
        assertThat(history.get(0).path("details").path("schemaVersion").asInt())
                .as("stored in the current version").isEqualTo(3);
    }

    @Test
    void anOldAppsPatchIsUpgradedAndItsConflictAnsweredInItsShape() {
        pushOk(nurse, json("{'deviceId':'new-app','operations':[{'opId':1,'type':'create','collection':'patients',"
                + "'id':'p1','data':{'firstName':'Ada','lastName':'Lovelace','status':'active'}}]}"));
        JsonNode updated = pushOk(nurse, json("{'deviceId':'old-app','operations':[{'opId':1,'type':'update',"
                + "'collection':'patients','id':'p1','baseVersion':1,'schemaVersion':2,"
                + "'data':{'fullName':'Ada King'}}]}")).path("results").get(0);
        assertThat(updated.path("status").asText()).as(updated.toString()).isEqualTo("applied");
        assertThat(onlyRecord("new-app", null).path("data")).isEqualTo(parse(json(
                "{'firstName':'Ada','lastName':'King','status':'active'}")));

        JsonNode stale = pushOk(nurse, json("{'deviceId':'old-app','operations':[{'opId':2,'type':'update',"
                + "'collection':'patients','id':'p1','baseVersion':1,'schemaVersion':2,"
                + "'data':{'status':'discharged'}}]}")).path("results").get(0);
        assertThat(stale.path("status").asText()).isEqualTo("conflict");
        assertThat(stale.path("data")).as("the server's state in the shape the old app reads").isEqualTo(parse(json(
                "{'fullName':'Ada King','status':'active'}")));
    }

    @Test
    void aVersionOlderThanTheMinimumRefusesThePushWholeAndChangesNothing() {
        HttpResponse<String> r = push(nurse, json("{'deviceId':'ancient','operations':["
                + "{'opId':1,'type':'create','collection':'patients','id':'p1','data':{'fullName':'A','status':'active'}},"
                + "{'opId':2,'type':'create','collection':'patients','id':'p2','schemaVersion':1,'data':{'name':'B'}}]}"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = parse(r.body());
        assertThat(problem.path("code").asText()).isEqualTo("upgrade_required");
        assertThat(problem.path("errors").get(0).path("field").asText()).isEqualTo("operations[1].schemaVersion");
        assertThat(problem.path("detail").asText()).contains("patients", "oldest accepted 2");
        assertThat(pullIn("ancient", null).body()).contains("\"changes\":[]");
        assertThat(parse(pullIn("ancient", null).body()).path("lastProcessedOpId").asLong()).isZero();
    }

    @Test
    void aPullInAVersionOlderThanTheMinimumIsTold() {
        HttpResponse<String> r = pullIn("ancient", "patients:1");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(parse(r.body()).path("code").asText()).isEqualTo("upgrade_required");
        assertThat(parse(r.body()).path("errors").get(0).path("field").asText()).isEqualTo("schemaVersions");
    }

    @Test
    void aVersionTheServerDoesNotKnowIsUnsupported() {
        HttpResponse<String> push = push(nurse, json("{'deviceId':'future','operations':[{'opId':1,'type':'create',"
                + "'collection':'patients','id':'p1','schemaVersion':4,'data':{'x':1}}]}"));
        assertThat(push.statusCode()).isEqualTo(400);
        assertThat(parse(push.body()).path("code").asText()).isEqualTo("schema_version_unsupported");
        HttpResponse<String> pull = pullIn("future", "patients:4");
        assertThat(pull.statusCode()).isEqualTo(400);
        assertThat(parse(pull.body()).path("code").asText()).isEqualTo("schema_version_unsupported");
    }

    @Test
    void malformedVersionsAreInvalid() {
        JsonNode op = pushOk(nurse, json("{'deviceId':'d','operations':[{'opId':1,'type':'create',"
                + "'collection':'patients','id':'p1','schemaVersion':'two','data':{'fullName':'A'}}]}"))
                .path("results").get(0);
        assertThat(op.path("status").asText()).isEqualTo("rejected");
        assertThat(op.path("error").path("code").asText()).isEqualTo("invalid_operation");
        assertThat(op.path("error").path("fields").get(0).path("field").asText()).isEqualTo("schemaVersion");
        for (String bad : new String[]{"patients", "patients:0", "patients:x", "Pets:1", "patients:2,patients:3"}) {
            HttpResponse<String> r = pullIn("d", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(parse(r.body()).path("code").asText()).as(bad).isEqualTo("invalid_request");
        }
    }

    @Test
    void anOldVersionsCreateIsCheckedAgainstThatVersionsSchema() {
        JsonNode op = pushOk(nurse, json("{'deviceId':'old-app','operations':[{'opId':1,'type':'create',"
                + "'collection':'patients','id':'p1','schemaVersion':2,'data':{'ward':'3'}}]}")).path("results").get(0);
        assertThat(op.path("status").asText()).isEqualTo("rejected");
        assertThat(op.path("error").path("code").asText()).isEqualTo("validation_failed");
        assertThat(op.path("error").path("fields").get(0).path("field").asText())
                .as("the field the old app knows").isEqualTo("fullName");
    }

    @Test
    void aDeviceThatNamesNoVersionWritesTheCurrentOne() {
        JsonNode op = pushOk(nurse, json("{'deviceId':'d','operations':[{'opId':1,'type':'create',"
                + "'collection':'patients','id':'p1','data':{'fullName':'A B','status':'active'}}]}"))
                .path("results").get(0);
        assertThat(op.path("status").asText()).as("v2 data is not valid as v3").isEqualTo("rejected");
        assertThat(op.path("error").path("code").asText()).isEqualTo("validation_failed");
    }
}
