package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.outpost.api.support.ServerTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Retention of stored op results: only results both outside the device's newest N and older than the age bound go;
 * a duplicate inside the window is still answered from its original, one outside it is refused and not applied.
 * (The sweep is called with a small retention here; the server's own is at least 10,000 per device and 30 days.)
 */
class OpResultPruningTest extends ServerTest {

    @Autowired
    OpResultPruner pruner;
    @Autowired
    MeterRegistry meters;

    @Test
    void resultsBeyondTheRetentionArePrunedAndDuplicatesInsideItAreStillAnswered() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        StringBuilder ops = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            if (i > 1) ops.append(',');
            ops.append("{'opId':").append(i).append(",'type':'create','collection':'notes','id':'n").append(i)
                    .append("','data':{'i':").append(i).append("}}");
        }
        pushOk(token, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        pushOk(token, json("{'deviceId':'dev-2','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'other','data':{}}]}"));
        assertThat(resultRowCount(tenant)).isEqualTo(21);
        double before = meters.counter("outpost.push.results.pruned").count();

        // young results are kept whatever their number
        assertThat(pruner.sweep(new OpResultPruner.Retention(5, Duration.ofDays(30), 3), tenant)).isZero();
        assertThat(resultRowCount(tenant)).isEqualTo(21);

        // old enough: all but dev-1's newest 5 go, in batches of 3; dev-2's single result stays
        long deleted = pruner.sweep(new OpResultPruner.Retention(5, Duration.ZERO, 3), tenant);
        assertThat(deleted).isEqualTo(15);
        assertThat(jdbc.queryForList("SELECT op_id FROM op_results WHERE tenant = ? AND device_id = 'dev-1' "
                + "ORDER BY op_id", Long.class, tenant)).containsExactly(16L, 17L, 18L, 19L, 20L);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM op_results WHERE tenant = ? AND device_id = 'dev-2'",
                Long.class, tenant)).isEqualTo(1);
        assertThat(meters.counter("outpost.push.results.pruned").count() - before).isEqualTo(15);

        long events = eventCount(tenant);
        JsonNode again = pushOk(token, json("{'deviceId':'dev-1','operations':["
                + "{'opId':3,'type':'create','collection':'notes','id':'n3','data':{'i':3}},"
                + "{'opId':18,'type':'create','collection':'notes','id':'n18','data':{'i':18}}]}")).path("results");
        assertThat(again.get(0).path("status").asText()).isEqualTo("rejected");
        assertThat(again.get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(again.get(0).path("error").path("code").asText()).isEqualTo("invalid_operation");
        assertThat(again.get(1).path("status").asText()).isEqualTo("applied");
        assertThat(again.get(1).path("duplicate").asBoolean()).isTrue();
        assertThat(again.get(1).path("version").asLong()).isEqualTo(1);
        assertThat(eventCount(tenant)).as("neither duplicate is applied again").isEqualTo(events);
    }
}
