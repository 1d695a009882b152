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
        for (int push = 0; push < 4; push++) {
            StringBuilder ops = new StringBuilder();
            for (int i = push * 5 + 1; i <= push * 5 + 5; i++) {
                if (ops.length() > 0) ops.append(',');
                ops.append("{'opId':").append(i).append(",'type':'create','collection':'notes','id':'n").append(i)
                        .append("','data':{'i':").append(i).append("}}");
            }
            pushOk(token, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        }
        pushOk(token, json("{'deviceId':'dev-2','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'other','data':{}}]}"));
        assertThat(resultRowCount(tenant)).isEqualTo(21);
        assertThat(storedPushes(tenant, "dev-1")).as("one row per push")
                .containsExactly("1-5", "6-10", "11-15", "16-20");
        double before = meters.counter("outpost.push.results.pruned").count();

        // young results are kept whatever their number
        assertThat(pruner.sweep(new OpResultPruner.Retention(5, Duration.ofDays(30), 3), tenant)).isZero();
        assertThat(resultRowCount(tenant)).isEqualTo(21);

        // old enough: dev-1's newest 7 are ops 14-20, so the push of 11-15 stays whole and the two before it go, one
        // row per statement; dev-2's single result stays
        assertThat(pruner.sweep(new OpResultPruner.Retention(7, Duration.ZERO, 1), tenant)).isEqualTo(10);
        assertThat(storedPushes(tenant, "dev-1")).containsExactly("11-15", "16-20");
        // the newest 5 are exactly the last push
        long deleted = pruner.sweep(new OpResultPruner.Retention(5, Duration.ZERO, 2), tenant);
        assertThat(deleted).isEqualTo(5);
        assertThat(storedPushes(tenant, "dev-1")).containsExactly("16-20");
        assertThat(storedPushes(tenant, "dev-2")).containsExactly("1-1");
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

    private java.util.List<String> storedPushes(String tenant, String device) {
        return jdbc.queryForList("SELECT first_op_id || '-' || last_op_id FROM push_results WHERE tenant = ? "
                + "AND device_id = ? ORDER BY last_op_id", String.class, tenant, device);
    }
}
