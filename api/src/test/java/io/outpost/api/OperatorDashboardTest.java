package io.outpost.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in docs/grafana only queries metrics the server exports: every metric name in its queries is
 * in {@code /actuator/prometheus} after a push (so a renamed metric cannot leave an empty panel behind).
 */
class OperatorDashboardTest extends ServerTest {

    private static final Pattern METRIC = Pattern.compile("\\b((?:outpost|jvm|cache)_[a-z0-9_]+)");

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws IOException {
        JsonNode dashboard = parse(Files.readString(Path.of("../docs/grafana/outpost-dashboard.json")));
        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) queried.add(m.group(1));
            }
        }
        assertThat(queried).contains("outpost_streams_open", "outpost_push_admission_wait_seconds_bucket",
                "outpost_push_waiting", "outpost_aggregate_cache_bytes", "jvm_memory_used_bytes", "cache_gets_total");

        String tenant = anyTenant();
        pushOk(userToken(tenant), json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create',"
                + "'collection':'notes','id':'a','data':{}},{'opId':2,'type':'update','collection':'notes','id':'a',"
                + "'baseVersion':1,'data':{'x':1}}]}"));
        System.gc(); // jvm_gc_pause_* exists once a collection has happened
        String exported = send(HttpRequest.newBuilder(uri("/actuator/prometheus"))
                .header("Authorization", "Bearer " + token(tenant, "ops", Role.ADMIN)).GET()).body();

        for (String name : queried) {
            assertThat(exported).as("metric %s of the dashboard", name).containsPattern("(?m)^" + name + "[{ ]");
        }
    }
}
