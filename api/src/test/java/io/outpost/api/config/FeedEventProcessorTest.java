package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import io.outpost.query.feed.ChangeFeedProjection;
import java.net.http.HttpResponse;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The processor {@code sync-feed} is the server's own {@link FeedEventProcessor}, and a projection that fails still
 * rolls the push back: no event, no result, no feed row, no progress; the same push sent again applies.
 */
class FeedEventProcessorTest extends ServerTest {

    @Autowired
    EventProcessingConfiguration processing;

    @Test
    void theChangeFeedIsProjectedByTheServersProcessor() {
        EventProcessor feed = processing.eventProcessor(ChangeFeedProjection.GROUP).orElseThrow();
        assertThat(feed).isInstanceOf(FeedEventProcessor.class);
        assertThat(feed.isRunning()).isTrue();
    }

    @Test
    void aProjectionThatFailsRollsThePushBack() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        String body = json("{'deviceId':'dev-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'t':'a'}},"
                + "{'opId':2,'type':'create','collection':'notes','id':'b','data':{'t':'b'}}]}");
        String function = "fail_feed_" + tenant.replaceAll("[^a-z0-9]", "_");
        jdbc.execute("CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF NEW.tenant = '" + tenant + "' AND NEW.id = 'b' THEN RAISE EXCEPTION 'projection fails'; END IF; "
                + "RETURN NEW; END $$");
        jdbc.execute("CREATE TRIGGER " + function + " BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION "
                + function + "()");
        try {
            HttpResponse<String> failed = push(token, body);
            assertThat(failed.statusCode()).as(failed.body()).isGreaterThanOrEqualTo(500);
            assertThat(eventCount(tenant)).isZero();
            assertThat(resultRowCount(tenant)).isZero();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM records WHERE tenant = ?", Long.class, tenant))
                    .isZero();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM device_progress WHERE tenant = ?", Long.class,
                    tenant)).isZero();
        } finally {
            jdbc.execute("DROP TRIGGER " + function + " ON records");
            jdbc.execute("DROP FUNCTION " + function + "()");
        }
        assertThat(pushOk(token, body).path("results").findValuesAsText("status")).containsExactly("applied",
                "applied");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM records WHERE tenant = ?", Long.class, tenant))
                .isEqualTo(2);
    }
}
