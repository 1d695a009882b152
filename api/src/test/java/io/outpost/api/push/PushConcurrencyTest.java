package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Concurrent pushes: conflicts stay results, never 500s, and nothing is applied twice. */
class PushConcurrencyTest extends ServerTest {

    private static <T> List<T> runTogether(int threads, java.util.function.IntFunction<Callable<T>> task)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<T> work = task.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return work.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get(120, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eightDevicesEditingOneRecordFromTheSameVersionGiveOneApplyAndSevenConflicts() throws Exception {
        String tenant = anyTenant();
        pushOk(userToken(tenant), json("{'deviceId':'origin','operations':[{'opId':1,'type':'create',"
                + "'collection':'notes','id':'hot','data':{'title':'v1'}}]}"));

        List<JsonNode> results = runTogether(8, i -> () -> pushOk(token(tenant, "user-" + i, Role.USER),
                json("{'deviceId':'dev-" + i + "','operations':[{'opId':1,'type':'update','collection':'notes',"
                        + "'id':'hot','baseVersion':1,'data':{'title':'by " + i + "'}}]}")).path("results").get(0));

        assertThat(results).filteredOn(r -> r.path("status").asText().equals("applied")).hasSize(1);
        assertThat(results).filteredOn(r -> r.path("status").asText().equals("conflict")).hasSize(7)
                .allSatisfy(r -> assertThat(r.path("version").asLong()).isEqualTo(2));
        String aggregate = tenant + "/notes/hot";
        assertThat(countEvents(aggregate, "RecordUpdatedEvent")).isEqualTo(1);
        assertThat(countEvents(aggregate, "OperationConflictedEvent")).isEqualTo(7);
        JsonNode next = pushOk(userToken(tenant), json("{'deviceId':'origin','operations':[{'opId':2,"
                + "'type':'update','collection':'notes','id':'hot','baseVersion':2,'data':{'title':'v3'}}]}"));
        assertThat(next.path("results").get(0).path("version").asLong()).as("final version was 2").isEqualTo(3);
    }

    @Test
    void eightDevicesCreatingTheSameIdAtOnceGiveOneCreateAndSevenConflicts() throws Exception {
        String tenant = anyTenant();
        List<JsonNode> results = runTogether(8, i -> () -> pushOk(token(tenant, "user-" + i, Role.USER),
                json("{'deviceId':'dev-" + i + "','operations':[{'opId':1,'type':'create','collection':'notes',"
                        + "'id':'same','data':{'by':" + i + "}}]}")).path("results").get(0));

        assertThat(results).filteredOn(r -> r.path("status").asText().equals("applied")).hasSize(1);
        assertThat(results).filteredOn(r -> r.path("status").asText().equals("conflict")).hasSize(7)
                .allSatisfy(r -> assertThat(r.path("version").asLong()).isEqualTo(1));
        assertThat(countEvents(tenant + "/notes/same", "RecordCreatedEvent")).isEqualTo(1);
    }

    @Test
    void theSamePushSentTwiceAtOnceIsAppliedOnce() throws Exception {
        String tenant = anyTenant();
        String token = userToken(tenant);
        StringBuilder ops = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            if (i > 1) ops.append(',');
            ops.append("{'opId':").append(i).append(",'type':'create','collection':'notes','id':'n-").append(i)
                    .append("','data':{'title':'T").append(i).append("'}}");
        }
        String body = json("{'deviceId':'dev-1','operations':[" + ops + "]}");

        List<JsonNode> responses = runTogether(2, i -> () -> pushOk(token, body));

        for (int op = 0; op < 20; op++) {
            int fresh = 0;
            for (JsonNode response : responses) {
                JsonNode result = response.path("results").get(op);
                assertThat(result.path("status").asText()).isEqualTo("applied");
                if (!result.path("duplicate").asBoolean()) fresh++;
            }
            assertThat(fresh).as("op %d applied by exactly one of the two pushes", op + 1).isEqualTo(1);
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM domain_event_entry WHERE payload_type = ? "
                        + "AND aggregate_identifier LIKE ?", Long.class,
                "io.outpost.command.api.RecordCreatedEvent", tenant + "/notes/%")).isEqualTo(20);
        assertThat(resultRowCount(tenant)).isEqualTo(20);
    }
}
