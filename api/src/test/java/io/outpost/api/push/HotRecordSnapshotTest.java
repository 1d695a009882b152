package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.time.Duration;
import org.axonframework.common.caching.Cache;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * A record with a long history is snapshotted (every {@code outpost.push.snapshot-threshold} = 100 events), a load
 * that misses the aggregate cache starts from the snapshot, and the snapshot stays a cache: the decisions made from
 * it match the stream, the audit trail still has every event, and a snapshot of another revision is ignored.
 */
class HotRecordSnapshotTest extends ServerTest {

    @Autowired
    @Qualifier("recordCache")
    Cache aggregates;

    @Test
    void aLongHistoryIsLoadedFromItsSnapshotAndDecidesAsTheStreamWould() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        String id = tenant + "/merge_notes/hot";
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'merge_notes',"
                + "'id':'hot','data':{'n':0,'title':'t'}}]}"));
        long opId = 1;
        for (int push = 0; push < 5; push++) {
            StringBuilder ops = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                long version = opId; // each update makes the next version
                opId++;
                if (i > 0) ops.append(',');
                ops.append("{'opId':").append(opId).append(",'type':'update','collection':'merge_notes','id':'hot',")
                        .append("'baseVersion':").append(version).append(",'data':{'n':").append(opId).append("}}");
            }
            pushOk(token, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        }
        assertThat(opId).isEqualTo(251);
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                "SELECT coalesce(max(sequence_number), -1) FROM snapshot_event_entry WHERE aggregate_identifier = ?",
                Long.class, id) >= 100);

        // from the snapshot (the cache forgotten): the version and each field's last change are the stream's
        aggregates.removeAll();
        JsonNode r = pushOk(token, json("{'deviceId':'dev-1','operations':["
                + "{'opId':252,'type':'update','collection':'merge_notes','id':'hot','baseVersion':251,'data':{'n':-1}},"
                + "{'opId':253,'type':'update','collection':'merge_notes','id':'hot','baseVersion':1,'data':{'title':'u'}},"
                + "{'opId':254,'type':'update','collection':'merge_notes','id':'hot','baseVersion':251,'data':{'n':-2}}]}"))
                .path("results");
        assertThat(r.get(0).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(0).path("version").asLong()).isEqualTo(252);
        assertThat(r.get(1).path("status").asText()).as("title last changed at version 1").isEqualTo("merged");
        assertThat(r.get(1).path("version").asLong()).isEqualTo(253);
        assertThat(r.get(2).path("status").asText()).as("n changed after version 251").isEqualTo("conflict");

        // a snapshot Axon must not read (another revision of the aggregate's form) is ignored: the whole stream is read
        String revision = jdbc.queryForObject("SELECT max(payload_revision) FROM snapshot_event_entry "
                + "WHERE aggregate_identifier = ?", String.class, id);
        jdbc.update("UPDATE snapshot_event_entry SET payload_revision = 'older' WHERE aggregate_identifier = ?", id);
        aggregates.removeAll();
        JsonNode again = pushOk(token, json("{'deviceId':'dev-1','operations':["
                + "{'opId':255,'type':'update','collection':'merge_notes','id':'hot','baseVersion':253,'data':{'n':7}}]}"))
                .path("results").get(0);
        assertThat(again.path("status").asText()).isEqualTo("applied");
        assertThat(again.path("version").asLong()).isEqualTo(254);

        // the audit trail and its hash chain are the events', with a readable snapshot of the record present
        jdbc.update("UPDATE snapshot_event_entry SET payload_revision = ? WHERE aggregate_identifier = ?", revision, id);
        String auditor = token(tenant, "aud", Role.AUDITOR);
        JsonNode history = parse(get(auditor, "/api/v1/audit/records/merge_notes/hot/history").body());
        assertThat(history.size()).isEqualTo(255);
        assertThat(history.get(0).path("type").asText()).isEqualTo("create");
        JsonNode verified = parse(get(auditor, "/api/v1/audit/records/merge_notes/hot/verify").body());
        assertThat(verified.path("valid").asBoolean()).isTrue();
        assertThat(verified.path("events").asLong()).isEqualTo(255);
    }
}
