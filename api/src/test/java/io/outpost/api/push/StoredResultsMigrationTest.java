package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.support.ServerTest;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * V17 moved stored op results from one row per op ({@code op_results}) to one row per push ({@code push_results}).
 * Results stored before it must still answer their re-sent ops: run its copy statement over an {@code op_results}
 * table of the old shape, and a re-send is answered from the copied result (a duplicate, not applied again), an opId
 * re-sent with other content is still refused by its copied digest, and a result stored before digests (V8) still
 * answers.
 */
class StoredResultsMigrationTest extends ServerTest {

    @Test
    void resultsStoredOnePerOpBeforeTheMigrationStillAnswerReSentOps() throws Exception {
        String tenant = anyTenant();
        String token = userToken(tenant);
        JsonNode first = pushOk(token, json("{'deviceId':'dev-m','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'t':'A'}},"
                + "{'opId':2,'type':'create','collection':'notes','id':'b','data':{'t':'B'}}]}")).path("results");
        // the rows an older server would have stored for these two ops: op 1 with its digest, op 2 from before V8
        jdbc.update("DELETE FROM push_results WHERE tenant = ?", tenant);
        jdbc.execute("CREATE TABLE op_results (tenant VARCHAR(64) NOT NULL, device_id VARCHAR(64) NOT NULL, "
                + "op_id BIGINT NOT NULL, result JSONB NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, op_digest BYTEA, "
                + "PRIMARY KEY (tenant, device_id, op_id))");
        try {
            PushOperation op1 = new PushOperation(1, OpType.CREATE, "create", "notes", "a", null, null,
                    (ObjectNode) JSON.readTree("{\"t\":\"A\"}"), null, null);
            jdbc.update("INSERT INTO op_results VALUES (?, 'dev-m', 1, CAST(? AS jsonb), ?, ?)", tenant,
                    first.get(0).toString(), Timestamp.from(Instant.now()), OpDigest.of(op1));
            jdbc.update("INSERT INTO op_results VALUES (?, 'dev-m', 2, CAST(? AS jsonb), ?, NULL)", tenant,
                    first.get(1).toString(), Timestamp.from(Instant.now()));
            String migration;
            try (var in = getClass().getResourceAsStream("/db/migration/V17__results_per_push.sql")) {
                migration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int start = migration.indexOf("INSERT INTO push_results");
            jdbc.update(migration.substring(start, migration.indexOf(';', start)));
        } finally {
            jdbc.execute("DROP TABLE op_results");
        }
        assertThat(resultRowCount(tenant)).isEqualTo(2);

        long events = eventCount(tenant);
        JsonNode again = pushOk(token, json("{'deviceId':'dev-m','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'t':'A'}},"
                + "{'opId':2,'type':'create','collection':'notes','id':'b','data':{'t':'B'}}]}")).path("results");
        for (int i = 0; i < 2; i++) {
            assertThat(again.get(i).path("status").asText()).isEqualTo("applied");
            assertThat(again.get(i).path("version").asLong()).isEqualTo(1);
            assertThat(again.get(i).path("duplicate").asBoolean()).isTrue();
        }
        JsonNode reused = pushOk(token, json("{'deviceId':'dev-m','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'t':'other'}}]}")).path("results");
        assertThat(reused.get(0).path("error").path("code").asText()).isEqualTo("op_id_reused");
        assertThat(eventCount(tenant)).as("nothing applied twice").isEqualTo(events);
    }

    /** V17 also dropped the event identifier's unique index: events are appended with the indexes Axon reads by. */
    @Test
    void eventsAreIndexedByPositionStreamAndTenantOnly() {
        assertThat(jdbc.queryForList("SELECT indexdef FROM pg_indexes WHERE tablename = 'domain_event_entry'",
                String.class)).hasSize(3)
                .anyMatch(d -> d.contains("(global_index)"))
                .anyMatch(d -> d.contains("(aggregate_identifier, sequence_number)"))
                .anyMatch(d -> d.contains("(tenant, global_index)"))
                .noneMatch(d -> d.contains("event_identifier"));
    }
}
