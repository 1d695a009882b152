package io.outpost.api.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rebuild keeps every cursor valid (docs/rebuild.md): a device that is up to date with a tenant of 100,000 records
 * pulls one page with nothing in it afterwards; a device of a tenant whose live read model was wrong gets exactly the
 * corrected records.
 */
class RebuildWithoutResetTest extends ServerTest {

    private static final Logger log = LoggerFactory.getLogger(RebuildWithoutResetTest.class);
    private static final int RECORDS = 100_000;
    private static final int OPS_PER_PUSH = 1000;

    @Test
    void anUpToDateDeviceOfAHundredThousandRecordsPullsOneEmptyPageAndAFixedRecordArrivesAlone() {
        String big = anyTenant();
        String importer = userToken(big);
        Instant t0 = Instant.now();
        long opId = 1;
        for (int push = 0; push < RECORDS / OPS_PER_PUSH; push++) {
            StringBuilder ops = new StringBuilder();
            for (int i = 0; i < OPS_PER_PUSH; i++) {
                if (i > 0) ops.append(',');
                ops.append("{'opId':").append(opId).append(",'type':'create','collection':'notes','id':'n")
                        .append(opId).append("','data':{'title':'note ").append(opId).append("','n':").append(opId)
                        .append("}}");
                opId++;
            }
            pushOk(importer, json("{'deviceId':'importer','operations':[" + ops + "]}"));
        }
        log.info("pushed {} records in {}", RECORDS, Duration.between(t0, Instant.now()));
        Drained bigDevice = drain(importer, "tablet-1", null, null, 1000);
        assertThat(bigDevice.changes()).hasSize(RECORDS);

        // a small tenant whose live read model went wrong (a projection bug): one record's data, one record the
        // events never had; its device pulled both
        String small = anyTenant();
        String nurse = userToken(small);
        StringBuilder ops = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            if (i > 1) ops.append(',');
            ops.append("{'opId':").append(i).append(",'type':'create','collection':'notes','id':'s").append(i)
                    .append("','data':{'n':").append(i).append("}}");
        }
        pushOk(nurse, json("{'deviceId':'dev-s','operations':[" + ops + "]}"));
        jdbc.update("UPDATE records SET data = CAST('{\"n\": -7}' AS jsonb) WHERE tenant = ? AND id = 's7'", small);
        jdbc.update("INSERT INTO records (tenant, collection, id, version, deleted, data, owner, created_by, "
                + "updated_at, updated_by, change_seq) VALUES (?, 'notes', 'ghost', 1, false, "
                + "CAST('{\"n\": 0}' AS jsonb), 'user-1', 'user-1', now(), 'user-1', nextval('change_seq'))", small);
        Drained smallDevice = drain(nurse, "dev-s", null, null, 1000);
        assertThat(byId(smallDevice)).containsEntry("s7", "1 {\"n\":-7}").containsKey("ghost").hasSize(21);
        Map<String, String> smallBefore = byId(smallDevice);

        JsonNode done = rebuild(token(big, "boss", Role.ADMIN));
        log.info("rebuild of {} events: {} ms in all, switch {} ms, longest feed-lock hold {} ms, {} records at fresh "
                        + "positions", done.path("processed").asLong(),
                Duration.between(Instant.parse(done.path("startedAt").asText()),
                        Instant.parse(done.path("finishedAt").asText())).toMillis(),
                done.path("switchMillis").asLong(), done.path("longestLockMillis").asLong(),
                done.path("changed").asLong());
        assertThat(done.path("reset").asBoolean()).isFalse();

        List<JsonNode> pages = pages(importer, "tablet-1", bigDevice.cursor());
        assertThat(pages).as("an up-to-date device pulls one page").hasSize(1);
        assertThat(pages.get(0).path("reset").asBoolean()).isFalse();
        assertThat(pages.get(0).path("changes")).as("and nothing in it").isEmpty();

        List<JsonNode> fixed = pages(nurse, "dev-s", smallDevice.cursor());
        assertThat(fixed).hasSize(1);
        assertThat(fixed.get(0).path("reset").asBoolean()).isFalse();
        Map<String, String> changes = new TreeMap<>();
        fixed.get(0).path("changes").forEach(c -> changes.put(c.path("id").asText(),
                c.path("version").asLong() + " " + (c.path("deleted").asBoolean() ? "deleted" : c.path("data"))));
        assertThat(changes).as("exactly the corrected record and a tombstone for the one the events never had")
                .isEqualTo(Map.of("s7", "1 {\"n\":7}", "ghost", "1 deleted"));

        Map<String, String> expected = new TreeMap<>(smallBefore);
        expected.put("s7", "1 {\"n\":7}");
        expected.remove("ghost");
        assertThat(byId(drain(nurse, "dev-s", null, null, 1000))).as("a fresh snapshot").isEqualTo(expected);
        assertThat(drain(importer, "tablet-2", null, null, 1000).changes()).hasSize(RECORDS);
    }

    /** Every page from the cursor on, following hasMore. */
    private List<JsonNode> pages(String token, String device, String cursor) {
        List<JsonNode> pages = new ArrayList<>();
        JsonNode page;
        String next = cursor;
        do {
            page = pullOk(token, device, next, null, 1000);
            pages.add(page);
            next = page.path("cursor").asText();
        } while (page.path("hasMore").asBoolean() && pages.size() < 1000);
        return pages;
    }

    /** Starts a rebuild without reset and waits for it; its final status. */
    private JsonNode rebuild(String admin) {
        HttpResponse<String> started = send(HttpRequest.newBuilder(uri("/api/v1/admin/projections/rebuild"))
                .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode status = parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild");
            assertThat(status.path("state").asText()).isNotEqualTo("FAILED");
            return status.path("state").asText().equals("DONE");
        });
        return parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild");
    }

    private static Map<String, String> byId(Drained drained) {
        Map<String, String> records = new TreeMap<>();
        drained.changes().forEach(c -> records.put(c.path("id").asText(),
                c.path("version").asLong() + " " + c.path("data")));
        return records;
    }
}
