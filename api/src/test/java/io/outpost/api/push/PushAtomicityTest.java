package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A push's events and its op results commit together or not at all. A deferred constraint trigger makes the commit
 * itself fail (after events and results were written), for devices named {@code doomed…} only.
 */
class PushAtomicityTest extends ServerTest {

    @BeforeEach
    void failCommitsOfDoomedDevices() {
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION outpost_test_fail_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.device_id LIKE 'doomed%' THEN RAISE EXCEPTION 'injected commit failure'; END IF;
                  RETURN NEW;
                END $$""");
        jdbc.execute("DROP TRIGGER IF EXISTS outpost_test_fail_doomed ON push_results");
        jdbc.execute("CREATE CONSTRAINT TRIGGER outpost_test_fail_doomed AFTER INSERT ON push_results "
                + "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION outpost_test_fail_doomed()");
    }

    @AfterEach
    void removeTrigger() {
        jdbc.execute("DROP TRIGGER IF EXISTS outpost_test_fail_doomed ON push_results");
        jdbc.execute("DROP FUNCTION IF EXISTS outpost_test_fail_doomed()");
    }

    @Test
    void aPushWhoseTransactionFailsLeavesNeitherEventsNorResults() {
        String tenant = anyTenant();
        HttpResponse<String> response = push(userToken(tenant), json("{'deviceId':'doomed-1','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'title':'A'}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'a','baseVersion':1,'data':{'title':'B'}},"
                + "{'opId':3,'type':'create','collection':'notes','id':'b','data':{'title':'B'}}]}"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(parse(response.body()).path("code").asText()).isEqualTo("service_unavailable");
        assertThat(response.body()).doesNotContain("injected").doesNotContain("SQL");
        assertThat(eventCount(tenant)).isZero();
        assertThat(resultRowCount(tenant)).isZero();
        assertThat(footprint(tenant)).isZero();
    }

    @Test
    void otherDevicesCommitNormallyMeanwhile() {
        String tenant = anyTenant();
        pushOk(userToken(tenant), json("{'deviceId':'healthy','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'title':'A'}}]}"));
        assertThat(eventCount(tenant)).isEqualTo(1);
        assertThat(resultRowCount(tenant)).isEqualTo(1);
    }
}
