package io.outpost.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The hash chain over each record's events: intact histories verify, an edited stored event does not. */
class AuditVerifyTest extends ServerTest {


    @Test
    void anIntactHistoryVerifiesAndAnEditedEventIsFound() {
        String tenant = anyTenant();
        pushOk(userToken(tenant), json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'dose-1','data':{'mg':5,'at':1.5}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'dose-1','baseVersion':1,'data':{'mg':10}},"
                + "{'opId':3,'type':'update','collection':'notes','id':'dose-1','baseVersion':1,'data':{'mg':99}},"
                + "{'opId':4,'type':'update','collection':'notes','id':'dose-1','baseVersion':9,'data':{}},"
                + "{'opId':5,'type':'create','collection':'notes','id':'other','data':{'mg':1}}]}"));
        String auditor = token(tenant, "aud", Role.AUDITOR);
        String admin = token(tenant, "boss", Role.ADMIN);

        JsonNode intact = parse(get(auditor, "/api/v1/audit/records/notes/dose-1/verify").body());
        assertThat(intact.path("valid").asBoolean()).isTrue();
        assertThat(intact.path("events").asLong()).isEqualTo(4);
        JsonNode all = parse(get(admin, "/api/v1/admin/verify").body());
        assertThat(all.path("valid").asBoolean()).isTrue();
        assertThat(all.path("records").asLong()).isEqualTo(2);

        int edited = jdbc.update("UPDATE domain_event_entry SET payload = convert_to(replace(convert_from(payload, "
                + "'UTF8'), '\"mg\":10', '\"mg\":11'), 'UTF8') WHERE aggregate_identifier = ? AND sequence_number = 1",
                tenant + "/notes/dose-1");
        assertThat(edited).isEqualTo(1);

        JsonNode tampered = parse(get(auditor, "/api/v1/audit/records/notes/dose-1/verify").body());
        assertThat(tampered.path("valid").asBoolean()).isFalse();
        assertThat(tampered.path("mismatches").get(0).path("sequence").asLong()).isEqualTo(1);
        assertThat(tampered.path("mismatches").get(0).path("record").asText()).isEqualTo("notes/dose-1");
        JsonNode tenantWide = parse(get(admin, "/api/v1/admin/verify").body());
        assertThat(tenantWide.path("valid").asBoolean()).isFalse();
        assertThat(tenantWide.path("mismatches")).hasSize(1);
    }

    @Test
    void verifyingNeedsTheRightRole() {
        String tenant = anyTenant();
        assertThat(get(userToken(tenant), "/api/v1/admin/verify").statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "aud", Role.AUDITOR), "/api/v1/admin/verify").statusCode()).isEqualTo(403);
        assertThat(get(userToken(tenant), "/api/v1/audit/records/notes/x/verify").statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "aud", Role.AUDITOR), "/api/v1/audit/records/notes/x/verify").statusCode())
                .isEqualTo(404);
    }
}
