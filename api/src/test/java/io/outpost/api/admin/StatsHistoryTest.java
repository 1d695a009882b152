package io.outpost.api.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The stats sampler's storage ({@code stats_samples}, real PostgreSQL) and {@code GET /admin/stats/history}: the
 * tenant's operations per interval from its stored counters, its open conflicts and lag; admins only.
 */
class StatsHistoryTest extends ServerTest {

    @Autowired
    StatsHistorySampler sampler;
    @Autowired
    StatsHistoryProperties properties;

    private long samples(String tenant) {
        return jdbc.queryForObject("SELECT count(*) FROM stats_samples WHERE tenant = ?", Long.class, tenant);
    }

    /** A stored sample one interval before now: the tenant had no operations then. */
    private void earlierEmptySample(String tenant, Instant at) {
        jdbc.update("INSERT INTO stats_samples (tenant, at, ops_applied, ops_merged, ops_conflicts, ops_rejected, "
                + "ops_duplicates, open_conflicts, projection_lag_events, projection_lag_seconds, pushes, "
                + "push_latency_ms) VALUES (?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL)", tenant, Timestamp.from(at));
    }

    @Test
    void aSampleStoresTheTenantsCountersAndTheHistoryAnswersTheOperationsPerInterval() {
        String tenant = anyTenant();
        String nurse = token(tenant, "nurse-1", Role.USER);
        pushOk(nurse, json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'x':1}},"
                + "{'opId':3,'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'x':2}}]}"));
        earlierEmptySample(tenant, Instant.now().minus(properties.sampleInterval()).minusSeconds(1));

        assertThat(sampler.sample()).isPositive();
        assertThat(samples(tenant)).isEqualTo(2);
        sampler.sample(); // the same interval again: one row per tenant and interval
        assertThat(samples(tenant)).isEqualTo(2);

        JsonNode history = parse(get(token(tenant, "boss", Role.ADMIN), "/api/v1/admin/stats/history?minutes=180")
                .body());
        assertThat(history.path("intervalSeconds").asLong()).isEqualTo(properties.sampleInterval().toSeconds());
        JsonNode samples = history.path("samples");
        assertThat(samples).hasSize(2);
        assertThat(samples.get(0).path("operations").isNull()).isTrue(); // the first ever: nothing before it
        JsonNode last = samples.get(1);
        assertThat(last.path("operations").path("applied").asLong()).isEqualTo(2);
        assertThat(last.path("operations").path("conflicts").asLong()).isEqualTo(1);
        assertThat(last.path("projectionLag").has("events")).isTrue();
        assertThat(last.path("pushes").asLong()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void theFirstSampleInTheWindowIsTheDifferenceToTheOneBeforeIt() {
        String tenant = anyTenant();
        pushOk(token(tenant, "nurse-1", Role.USER), json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{}}]}"));
        // the sampled interval (1 h in tests) starts within the last hour; the earlier sample is before the window
        earlierEmptySample(tenant, Instant.now().minus(properties.sampleInterval().multipliedBy(2)));
        sampler.sample();

        JsonNode samples = parse(get(token(tenant, "boss", Role.ADMIN), "/api/v1/admin/stats/history?minutes="
                + (properties.sampleInterval().toMinutes() + 1))
                .body()).path("samples");
        assertThat(samples).hasSize(1);
        assertThat(samples.get(0).path("operations").path("applied").asLong()).isEqualTo(1);
    }

    @Test
    void samplesOlderThanTheRetentionAreDeleted() {
        String tenant = anyTenant();
        pushOk(userToken(tenant), json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{}}]}"));
        earlierEmptySample(tenant, Instant.now().minus(properties.retention()).minus(Duration.ofHours(1)));
        assertThat(samples(tenant)).isEqualTo(1);
        sampler.sample();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM stats_samples WHERE tenant = ? AND at < ?", Long.class,
                tenant, Timestamp.from(Instant.now().minus(properties.retention())))).isZero();
        assertThat(samples(tenant)).isEqualTo(1); // the new one
    }

    @Test
    void theHistoryIsForAdminsOnlyAndChecksItsWindow() {
        String tenant = anyTenant();
        assertThat(get(userToken(tenant), "/api/v1/admin/stats/history").statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "aud", Role.AUDITOR), "/api/v1/admin/stats/history").statusCode())
                .isEqualTo(403);
        String admin = token(tenant, "boss", Role.ADMIN);
        assertThat(get(admin, "/api/v1/admin/stats/history").statusCode()).isEqualTo(200);
        var tooLong = get(admin, "/api/v1/admin/stats/history?minutes=10081");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(parse(tooLong.body()).path("code").asText()).isEqualTo("invalid_request");
        assertThat(parse(tooLong.body()).path("errors").get(0).path("field").asText()).isEqualTo("minutes");
        assertThat(get(admin, "/api/v1/admin/stats/history?minutes=x").statusCode()).isEqualTo(400);
    }
}
