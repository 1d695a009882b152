package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.support.ServerTest;
import io.outpost.api.security.JwtService;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Contract v1.2, permissions per collection: write-roles, append-only and resolve-roles, with forbidden results. */
class PermissionsTest extends ServerTest {

    @Autowired
    private JwtService jwt;

    private String tenant;

    @BeforeEach
    void aTenant() {
        tenant = anyTenant();
    }

    private String tokenWith(String user, Set<Role> roles, String... appRoles) {
        return jwt.issue(new SyncPrincipal(tenant, user, roles, Set.of(appRoles)));
    }

    private JsonNode one(String token, String device, String op) {
        return pushOk(token, json("{'deviceId':'" + device + "','operations':[" + op + "]}")).path("results").get(0);
    }

    @Test
    void onlyTheWriteRolesAndAdminsWriteACollectionWithWriteRoles() {
        String till = tokenWith("till-1", Set.of(Role.USER));
        String manager = tokenWith("boss", Set.of(Role.USER), "manager");
        String admin = tokenWith("root", Set.of(Role.ADMIN));
        JsonNode refused = one(till, "d-till",
                "{'opId':1,'type':'create','collection':'price_list','id':'p-1','data':{'cents':100}}");
        assertThat(refused.path("status").asText()).isEqualTo("rejected");
        assertThat(refused.path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(refused.path("error").path("message").asText()).contains("manager");
        assertThat(one(manager, "d-boss",
                "{'opId':1,'type':'create','collection':'price_list','id':'p-1','data':{'cents':100}}")
                .path("status").asText()).isEqualTo("applied");
        assertThat(one(admin, "d-root",
                "{'opId':1,'type':'update','collection':'price_list','id':'p-1','baseVersion':1,"
                        + "'data':{'cents':120}}").path("status").asText()).isEqualTo("applied");
        JsonNode forTill = parse(get(till, "/api/v1/collections").body()).path("collections");
        assertThat(forTill.path("price_list").path("canWrite").asBoolean()).isFalse();
        assertThat(forTill.path("notes").path("canWrite").asBoolean()).isTrue();
        assertThat(parse(get(manager, "/api/v1/collections").body()).path("collections").path("price_list")
                .path("canWrite").asBoolean()).isTrue();
    }

    @Test
    void anAppendOnlyCollectionTakesCreatesOnlyEvenFromAdmins() {
        String admin = tokenWith("root", Set.of(Role.USER, Role.ADMIN));
        assertThat(one(admin, "d-1", "{'opId':1,'type':'create','collection':'ledger','id':'m-1','data':{'qty':5}}")
                .path("status").asText()).isEqualTo("applied");
        for (String op : new String[] {
                "{'opId':2,'type':'update','collection':'ledger','id':'m-1','baseVersion':1,'data':{'qty':4}}",
                "{'opId':3,'type':'delete','collection':'ledger','id':'m-1','baseVersion':1}",
                "{'opId':4,'type':'increment','collection':'ledger','id':'m-1','data':{'qty':1}}"}) {
            JsonNode r = one(admin, "d-1", op);
            assertThat(r.path("error").path("code").asText()).as(op).isEqualTo("forbidden");
        }
        assertThat(parse(get(admin, "/api/v1/collections").body()).path("collections").path("ledger")
                .path("appendOnly").asBoolean()).isTrue();
        JsonNode history = parse(get(tokenWith("aud", Set.of(Role.AUDITOR)),
                "/api/v1/audit/records/ledger/m-1/history").body());
        assertThat(history.findValuesAsText("type")).as("nothing but the create").containsExactly("create");
    }

    @Test
    void resolveRolesKeepTheOpsOwnUserFromOverrulingTheSupervisor() {
        String nurse = tokenWith("nurse-1", Set.of(Role.USER));
        String other = tokenWith("nurse-2", Set.of(Role.USER));
        String supervisor = tokenWith("sup", Set.of(Role.USER), "supervisor");
        one(other, "d-2", "{'opId':1,'type':'create','collection':'supervised_notes','id':'s-1','data':{'t':1}}");
        one(other, "d-2", "{'opId':2,'type':'update','collection':'supervised_notes','id':'s-1','baseVersion':1,"
                + "'data':{'t':2}}");
        JsonNode parked = one(nurse, "d-1", "{'opId':1,'type':'update','collection':'supervised_notes','id':'s-1',"
                + "'baseVersion':1,'data':{'t':3}}");
        String conflictId = parked.path("conflict").path("conflictId").asText();
        assertThat(conflictId).isNotBlank();

        HttpResponse<String> own = resolve(nurse, conflictId);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(403);
        assertThat(parse(own.body()).path("code").asText()).isEqualTo("forbidden");
        HttpResponse<String> bySupervisor = resolve(supervisor, conflictId);
        assertThat(bySupervisor.statusCode()).as(bySupervisor.body()).isEqualTo(200);
        assertThat(parse(bySupervisor.body()).path("data").path("t").asInt()).isEqualTo(3);
    }

    private HttpResponse<String> resolve(String token, String conflictId) {
        return send(HttpRequest.newBuilder(uri("/api/v1/conflicts/" + conflictId + "/resolve"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"resolution\":\"client\"}")));
    }
}
