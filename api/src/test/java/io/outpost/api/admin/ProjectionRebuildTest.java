package io.outpost.api.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Rebuilding with a new feed epoch ({@code reset=true}) from a few thousand events, while the server answers pulls. */
class ProjectionRebuildTest extends ServerTest {

    private static Map<String, String> byId(Drained drained) {
        Map<String, String> records = new TreeMap<>();
        drained.changes().forEach(c -> records.put(c.path("id").asText(),
                c.path("version").asLong() + " " + c.path("data")));
        return records;
    }

    @Test
    void aResetRebuildGivesTheSameSnapshotAndResetsOldCursors() {
        String tenant = anyTenant();
        String nurse = userToken(tenant);
        long opId = 1;
        for (int push = 0; push < 12; push++) {
            StringBuilder ops = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                if (i > 0) ops.append(',');
                int n = push * 100 + i % 100;
                ops.append(i < 100
                        ? "{'opId':" + opId++ + ",'type':'create','collection':'notes','id':'n" + n + "','data':{'v':0}}"
                        : "{'opId':" + opId++ + ",'type':'update','collection':'notes','id':'n" + n
                        + "','baseVersion':1,'data':{'v':" + push + "}}");
            }
            pushOk(nurse, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        }
        long last = opId - 1;
        await().atMost(Duration.ofSeconds(60)).until(() ->
                drain(nurse, "dev-1", null, null, 1000).lastProcessedOpId() == last);
        Drained before = drain(nurse, "dev-1", null, null, 1000);
        assertThat(before.changes()).hasSize(1200);

        String admin = token(tenant, "boss", Role.ADMIN);
        HttpResponse<String> started = send(HttpRequest.newBuilder(uri("/api/v1/admin/projections/rebuild?reset=true"))
                .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        assertThat(drain(nurse, "dev-1", null, null, 1000).changes())
                .as("the read model keeps answering during the rebuild").hasSize(1200);

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode status = parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild");
            assertThat(status.path("state").asText()).isNotEqualTo("FAILED");
            return status.path("state").asText().equals("DONE");
        });
        JsonNode status = parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild");
        assertThat(status.path("processed").asLong()).isGreaterThanOrEqualTo(2400);

        JsonNode afterOldCursor = pullOk(nurse, "dev-1", before.cursor(), null, 1000);
        assertThat(afterOldCursor.path("reset").asBoolean()).isTrue();
        Drained after = drain(nurse, "dev-1", null, null, 1000);
        assertThat(byId(after)).isEqualTo(byId(before));
        assertThat(after.lastProcessedOpId()).isEqualTo(last);
        assertThat(jdbc.queryForList("SELECT indexname FROM pg_indexes WHERE tablename = 'records'", String.class))
                .contains("records_pkey", "records_feed");
        assertThat(jdbc.queryForList("SELECT tgname FROM pg_trigger WHERE tgrelid = CAST('records' AS regclass)",
                String.class)).as("the swapped-in table tells old owners about moved records").contains(
                "records_owner_moved");
    }

    @Test
    void aRebuildAskedForWithAnUnknownResetValueIsRefusedAndStartsNothing() {
        String tenant = anyTenant();
        String admin = token(tenant, "boss", Role.ADMIN);
        String before = parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild").toString();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/admin/projections/rebuild?reset=yes"))
                .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(parse(r.body()).path("code").asText()).isEqualTo("invalid_request");
        assertThat(parse(r.body()).path("errors").get(0).path("field").asText()).isEqualTo("reset");
        assertThat(parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild").toString())
                .isEqualTo(before);
    }

    @Test
    void rebuildingIsForAdminsOnly() {
        String tenant = anyTenant();
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/admin/projections/rebuild"))
                .header("Authorization", "Bearer " + userToken(tenant)).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "aud", Role.AUDITOR), "/api/v1/admin/projections").statusCode()).isEqualTo(403);
    }
}
