package io.outpost.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /audit/events}: a tenant's events in global order, as pages or NDJSON, never another tenant's. */
class AuditExportTest extends ServerTest {

    private HttpResponse<String> get(String token, String path, String accept) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token)
                .header("Accept", accept).GET());
    }

    private void someEvents(String tenant, String device) {
        pushOk(token(tenant, "u-" + device, Role.USER), json("{'deviceId':'" + device + "','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'v':1}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'v':2}},"
                + "{'opId':3,'type':'frobnicate','collection':'notes','id':'b'},"
                + "{'opId':4,'type':'create','collection':'notes','id':'c','data':{}},"
                + "{'opId':5,'type':'delete','collection':'notes','id':'c','baseVersion':1}]}"));
    }

    @Test
    void pagesFollowGlobalOrderAndNeverLeakAnotherTenantsEvents() {
        String a = anyTenant();
        String b = anyTenant();
        someEvents(a, "dev-a");
        someEvents(b, "dev-b");
        someEvents(a, "dev-a2");
        String auditor = token(a, "aud", Role.AUDITOR);
        // the append statement writes each event's tenant with it: indexed when the push is answered
        assertThat(jdbc.queryForObject("SELECT count(*) FROM domain_event_entry WHERE tenant = ?", Long.class, a))
                .isEqualTo(eventCount(a));

        List<JsonNode> events = new ArrayList<>();
        List<Boolean> hasMore = new ArrayList<>();
        long after = 0;
        JsonNode page;
        do {
            HttpResponse<String> r = get(auditor, "/api/v1/audit/events?limit=4&after=" + after, "application/json");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            page = parse(r.body());
            page.path("events").forEach(events::add);
            hasMore.add(page.path("hasMore").asBoolean());
            after = page.path("position").asLong();
        } while (page.path("hasMore").asBoolean());

        assertThat(events).hasSize(10);
        assertThat(hasMore).containsExactly(true, true, false);
        long previous = 0;
        for (JsonNode e : events) {
            assertThat(e.path("position").asLong()).isGreaterThan(previous);
            previous = e.path("position").asLong();
            assertThat(e.path("metadata").path("tenant").asText()).isEqualTo(a);
        }
        assertThat(events.get(0).path("type").asText()).isEqualTo("RecordCreatedEvent");
        assertThat(events.get(0).path("aggregate").asText()).isEqualTo("notes/a");
        assertThat(events.get(0).path("payload").path("data").path("v").asInt()).isEqualTo(1);
        assertThat(events.get(2).path("type").asText()).isEqualTo("OperationRejectedEvent");
        assertThat(events.get(2).path("aggregate").isMissingNode()
                || events.get(2).path("aggregate").isNull()).isTrue();
    }

    @Test
    void ndjsonStreamsEveryEventOnItsOwnLine() {
        String tenant = anyTenant();
        someEvents(tenant, "dev-1");
        String auditor = token(tenant, "aud", Role.AUDITOR);
        HttpResponse<String> r = get(auditor, "/api/v1/audit/events", "application/x-ndjson");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/x-ndjson"));
        String[] lines = r.body().strip().split("\n");
        assertThat(lines).hasSize(5);
        for (String line : lines) assertThat(parse(line).path("metadata").path("tenant").asText()).isEqualTo(tenant);
    }

    /**
     * V13 moved the tenant index onto the event rows (a column the append statement writes) and fills it for the
     * events stored before, from their metadata: run its backfill over a tenant whose rows lost it, and every one
     * has it back, equal to its metadata's.
     */
    @Test
    void theMigrationGivesEveryEarlierEventItsTenant() throws Exception {
        String tenant = anyTenant();
        someEvents(tenant, "dev-m");
        List<Long> positions = jdbc.queryForList("SELECT global_index FROM domain_event_entry WHERE tenant = ? "
                + "ORDER BY global_index", Long.class, tenant);
        assertThat(positions).hasSize(5);
        assertThat(positions).isEqualTo(jdbc.queryForList("SELECT global_index FROM domain_event_entry "
                + "WHERE convert_from(meta_data, 'UTF8')::jsonb ->> 'tenant' = ? ORDER BY global_index", Long.class,
                tenant));
        jdbc.update("UPDATE domain_event_entry SET tenant = NULL WHERE tenant = ?", tenant);
        String migration;
        try (var in = getClass().getResourceAsStream("/db/migration/V13__tenant_on_events.sql")) {
            migration = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        int start = migration.indexOf("UPDATE domain_event_entry");
        jdbc.update(migration.substring(start, migration.indexOf(';', start)) + " AND tenant IS NULL");
        assertThat(jdbc.queryForList("SELECT global_index FROM domain_event_entry WHERE tenant = ? "
                + "ORDER BY global_index", Long.class, tenant)).isEqualTo(positions);
        assertThat(jdbc.queryForObject("SELECT to_regclass('event_index') IS NULL", Boolean.class)).isTrue();
    }

    @Test
    void exportNeedsTheAuditorOrAdminRoleAndValidParameters() {
        String tenant = anyTenant();
        assertThat(get(token(tenant, "u", Role.USER), "/api/v1/audit/events", "application/json").statusCode())
                .isEqualTo(403);
        String admin = token(tenant, "boss", Role.ADMIN);
        assertThat(get(admin, "/api/v1/audit/events", "application/json").statusCode()).isEqualTo(200);
        assertThat(get(admin, "/api/v1/audit/events?limit=0", "application/json").statusCode()).isEqualTo(400);
        assertThat(get(admin, "/api/v1/audit/events?after=-1", "application/json").statusCode()).isEqualTo(400);
    }
}
