package io.outpost.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A record's history and as-of state, folded from its event stream. */
class AuditHistoryTest extends ServerTest {

    private String tenant;
    private String nurse;
    private String auditor;

    @BeforeEach
    void tenantWithANurseAndAnAuditor() {
        tenant = anyTenant();
        nurse = token(tenant, "nurse-1", Role.USER);
        auditor = token(tenant, "aud-1", Role.AUDITOR);
    }


    private JsonNode ok(String token, String path) {
        HttpResponse<String> r = get(token, path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    private static List<String> types(JsonNode history) {
        List<String> types = new ArrayList<>();
        history.forEach(e -> types.add(e.path("type").asText()));
        return types;
    }

    @Test
    void historyShowsEveryChangeAndAttemptWithWhoAndTheStateAfter() {
        pushOk(nurse, json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'merge_notes','id':'m','data':{'a':1,'b':1},"
                + "'clientTimestamp':'2026-11-22T10:00:00Z'},"
                + "{'opId':2,'type':'update','collection':'merge_notes','id':'m','baseVersion':1,'data':{'a':2}},"
                + "{'opId':3,'type':'update','collection':'merge_notes','id':'m','baseVersion':1,'data':{'b':3}},"
                + "{'opId':4,'type':'update','collection':'merge_notes','id':'m','baseVersion':1,'data':{'a':9}},"
                + "{'opId':5,'type':'update','collection':'merge_notes','id':'m','baseVersion':3,'data':{'big':'"
                + "x".repeat(256 * 1024) + "'}},"
                + "{'opId':6,'type':'delete','collection':'merge_notes','id':'m','baseVersion':3}]}"));
        JsonNode history = ok(auditor, "/api/v1/audit/records/merge_notes/m/history");

        assertThat(types(history)).containsExactly("create", "update", "update", "conflict", "rejected", "delete");
        JsonNode created = history.get(0);
        assertThat(created.path("version").asLong()).isEqualTo(1);
        assertThat(created.path("userId").asText()).isEqualTo("nurse-1");
        assertThat(created.path("deviceId").asText()).isEqualTo("dev-1");
        assertThat(created.path("opId").asLong()).isEqualTo(1);
        assertThat(created.path("clientTimestamp").asText()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(created.path("eventId").asText()).isNotBlank();
        assertThat(created.path("recordedAt").asText()).isNotBlank();
        JsonNode merged = history.get(2);
        assertThat(merged.path("data")).isEqualTo(parse("{\"a\":2,\"b\":3}"));
        assertThat(merged.path("patch")).isEqualTo(parse("{\"b\":3}"));
        assertThat(merged.path("resolvedConflict").path("strategy").asText()).isEqualTo("merge");
        assertThat(merged.path("resolvedConflict").path("baseVersion").asLong()).isEqualTo(1);
        assertThat(merged.path("resolvedConflict").path("overwrittenVersion").asLong()).isEqualTo(2);
        assertThat(history.get(3).path("details").path("fields").get(0).asText()).isEqualTo("a");
        assertThat(history.get(4).path("details").path("code").asText()).isEqualTo("record_too_large");
        assertThat(history.get(5).path("version").asLong()).isEqualTo(4);
        assertThat(history.get(5).path("data").isNull()).isTrue();
        // v1.2: every listed field on every entry, null when it has no value (patch: null for a delete)
        assertThat(history.get(5).has("patch")).isTrue();
        assertThat(history.get(5).path("patch").isNull()).isTrue();
        assertThat(history.get(5).path("clientTimestamp").isNull()).as("the delete sent none").isTrue();
        for (JsonNode entry : history) {
            for (String field : List.of("version", "type", "data", "patch", "userId", "deviceId", "opId",
                    "clientTimestamp", "recordedAt", "eventId")) {
                assertThat(entry.has(field)).as("%s entry has %s: %s", entry.path("type").asText(), field, entry)
                        .isTrue();
            }
        }
    }

    @Test
    void clientWinsOverwritesAndManualResolutionsAreInTheHistory() {
        pushOk(nurse, json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'cw_notes','id':'c','data':{'t':1}},"
                + "{'opId':2,'type':'update','collection':'cw_notes','id':'c','baseVersion':1,'data':{'t':2}},"
                + "{'opId':3,'type':'update','collection':'cw_notes','id':'c','baseVersion':1,'data':{'t':3}},"
                + "{'opId':4,'type':'create','collection':'manual_notes','id':'n','data':{'t':1}},"
                + "{'opId':5,'type':'update','collection':'manual_notes','id':'n','baseVersion':1,'data':{'t':2}},"
                + "{'opId':6,'type':'update','collection':'manual_notes','id':'n','baseVersion':1,'data':{'t':3}}]}"));
        JsonNode overwrite = ok(auditor, "/api/v1/audit/records/cw_notes/c/history").get(2);
        assertThat(overwrite.path("resolvedConflict").path("strategy").asText()).isEqualTo("client-wins");
        assertThat(overwrite.path("resolvedConflict").path("overwrittenVersion").asLong()).isEqualTo(2);

        JsonNode parked = ok(auditor, "/api/v1/audit/records/manual_notes/n/history").get(2);
        assertThat(parked.path("type").asText()).isEqualTo("conflict_parked");
        String conflictId = parked.path("details").path("conflictId").asText();
        String admin = token(tenant, "boss", Role.ADMIN);
        HttpResponse<String> resolved = send(HttpRequest.newBuilder(uri("/api/v1/conflicts/" + conflictId
                        + "/resolve")).header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resolution\":\"client\"}")));
        assertThat(resolved.statusCode()).isEqualTo(200);
        JsonNode history = ok(auditor, "/api/v1/audit/records/manual_notes/n/history");
        assertThat(types(history)).containsExactly("create", "update", "conflict_parked", "update",
                "conflict_resolved");
        assertThat(history.get(3).path("resolvedConflict").path("strategy").asText()).isEqualTo("manual");
        assertThat(history.get(3).path("userId").asText()).isEqualTo("boss");
        assertThat(history.get(4).path("details").path("resolvedBy").asText()).isEqualTo("boss");
    }

    @Test
    void theRecordAsItWasAtAVersionOrATime() {
        pushOk(nurse, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'x','data':{'dose':1}}]}"));
        pushOk(nurse, json("{'deviceId':'dev-1','operations':[{'opId':2,'type':'update','collection':'notes',"
                + "'id':'x','baseVersion':1,'data':{'dose':2}}]}"));

        JsonNode v1 = ok(auditor, "/api/v1/audit/records/notes/x?version=1");
        assertThat(v1.path("data").path("dose").asInt()).isEqualTo(1);
        assertThat(ok(auditor, "/api/v1/audit/records/notes/x?version=2").path("data").path("dose").asInt())
                .isEqualTo(2);
        JsonNode history = ok(auditor, "/api/v1/audit/records/notes/x/history");
        Instant firstRecorded = Instant.parse(history.get(0).path("recordedAt").asText());
        Instant secondRecorded = Instant.parse(history.get(1).path("recordedAt").asText());
        assertThat(ok(auditor, "/api/v1/audit/records/notes/x?at=" + firstRecorded).path("version").asLong())
                .isEqualTo(secondRecorded.isAfter(firstRecorded) ? 1 : 2);
        assertThat(ok(auditor, "/api/v1/audit/records/notes/x?at=" + secondRecorded).path("version").asLong())
                .isEqualTo(2);
        assertThat(get(auditor, "/api/v1/audit/records/notes/x?version=3").statusCode()).isEqualTo(404);
        assertThat(get(auditor, "/api/v1/audit/records/notes/x?at=2000-01-01T00:00:00Z").statusCode())
                .isEqualTo(404);
        assertThat(get(auditor, "/api/v1/audit/records/notes/x?at=yesterday").statusCode()).isEqualTo(400);
    }

    @Test
    void auditNeedsTheAuditorOrAdminRoleAndSeesOnlyItsTenant() {
        pushOk(nurse, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'x','data':{}}]}"));
        String path = "/api/v1/audit/records/notes/x/history";
        assertThat(get(nurse, path).statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "boss", Role.ADMIN), path).statusCode()).isEqualTo(200);
        assertThat(get(token(anyTenant(), "aud-2", Role.AUDITOR), path).statusCode()).isEqualTo(404);
        assertThat(send(HttpRequest.newBuilder(uri(path)).GET()).statusCode()).isEqualTo(401);
    }
}
