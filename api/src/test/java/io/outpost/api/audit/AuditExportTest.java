package io.outpost.api.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM event_index WHERE tenant = ?", Long.class, a) == eventCount(a));

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
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM event_index WHERE tenant = ?", Long.class, tenant) == 5);
        HttpResponse<String> r = get(auditor, "/api/v1/audit/events", "application/x-ndjson");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/x-ndjson"));
        String[] lines = r.body().strip().split("\n");
        assertThat(lines).hasSize(5);
        for (String line : lines) assertThat(parse(line).path("metadata").path("tenant").asText()).isEqualTo(tenant);
    }

    /**
     * V11 moved the index into the change feed's processor and indexes, once, what the old processor of its own had
     * not reached: run its backfill statement over a tenant whose index rows are gone, and they are all back.
     */
    @Test
    void theMigrationIndexesEventsTheOldProcessorHadNotReached() throws Exception {
        String tenant = anyTenant();
        someEvents(tenant, "dev-m");
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "SELECT count(*) FROM event_index WHERE tenant = ?", Long.class, tenant) == 5);
        jdbc.update("DELETE FROM event_index WHERE tenant = ?", tenant);
        String migration;
        try (var in = getClass().getResourceAsStream("/db/migration/V11__audit_index_in_feed.sql")) {
            migration = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        int start = migration.indexOf("INSERT INTO event_index");
        String backfill = migration.substring(start, migration.indexOf(';', start));
        jdbc.update(backfill);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM event_index WHERE tenant = ?", Long.class, tenant))
                .isEqualTo(5L);
        assertThat(jdbc.queryForList("SELECT global_index FROM event_index WHERE tenant = ? ORDER BY global_index",
                Long.class, tenant)).isEqualTo(jdbc.queryForList("SELECT global_index FROM domain_event_entry "
                + "WHERE convert_from(meta_data, 'UTF8')::jsonb ->> 'tenant' = ? ORDER BY global_index", Long.class,
                tenant));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM token_entry WHERE processor_name = 'audit-index'",
                Long.class)).isZero();
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
