package io.outpost.api.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code GET /admin/devices}: each device of the caller's tenant with its pushes, pulls and open conflicts. */
class DeviceListTest extends ServerTest {

    @Test
    void listsTheTenantsDevicesWithLastPullSuccessRateAndOpenConflicts() {
        String tenant = anyTenant();
        pushOk(token(tenant, "nurse-1", Role.USER), json("{'deviceId':'tab-1','operations':["
                + "{'opId':1,'type':'create','collection':'manual_notes','id':'a','data':{'mg':1}},"
                + "{'opId':2,'type':'update','collection':'manual_notes','id':'a','baseVersion':1,'data':{'mg':2}}]}"));
        String nurse2 = token(tenant, "nurse-2", Role.USER);
        pushOk(nurse2, json("{'deviceId':'tab-2','operations':["
                + "{'opId':1,'type':'update','collection':'manual_notes','id':'a','baseVersion':1,'data':{'mg':3}}]}"));
        pullOk(nurse2, "tab-2", null, null, null);
        pushOk(userToken(anyTenant()), json("{'deviceId':'elsewhere','operations':["
                + "{'opId':1,'type':'create','collection':'manual_notes','id':'z','data':{}}]}"));

        String admin = token(tenant, "boss", Role.ADMIN);
        await().atMost(Duration.ofSeconds(30)).until(() -> parse(get(admin, "/api/v1/admin/devices").body())
                .path("devices").path(1).path("openConflicts").asLong() == 1);
        JsonNode devices = parse(get(admin, "/api/v1/admin/devices").body()).path("devices");
        assertThat(devices).hasSize(2);
        JsonNode first = devices.get(0);
        assertThat(first.path("deviceId").asText()).isEqualTo("tab-1");
        assertThat(first.path("userId").asText()).isEqualTo("nurse-1");
        assertThat(first.path("successRate").asDouble()).isEqualTo(1.0);
        assertThat(first.path("lastPushAt").asText()).isNotBlank();
        assertThat(first.path("lastPullAt").isNull()).isTrue();
        assertThat(first.path("openConflicts").asLong()).isZero();
        assertThat(first.path("pendingOps").isNull()).isTrue();
        JsonNode second = devices.get(1);
        assertThat(second.path("deviceId").asText()).isEqualTo("tab-2");
        assertThat(second.path("successRate").asDouble()).isEqualTo(0.0);
        assertThat(second.path("lastPullAt").asText()).isNotBlank();
        assertThat(second.path("revokedAt").isNull()).isTrue();
    }

    /**
     * A device reports its queue with its pull ({@code pendingOps}, as both SDKs do); the list shows the last report,
     * a pull without one keeps it, and a bad value is refused with the parameter named and nothing recorded.
     */
    @Test
    void showsTheQueueADeviceLastReportedWithItsPull() {
        String tenant = anyTenant();
        String nurse = token(tenant, "nurse-1", Role.USER);
        String admin = token(tenant, "boss", Role.ADMIN);
        assertThat(get(nurse, "/api/v1/sync/pull?deviceId=tab-1&pendingOps=7").statusCode()).isEqualTo(200);
        assertThat(pending(admin)).isEqualTo("7");
        assertThat(get(nurse, "/api/v1/sync/pull?deviceId=tab-1").statusCode()).isEqualTo(200);
        assertThat(pending(admin)).isEqualTo("7");
        assertThat(get(nurse, "/api/v1/sync/pull?deviceId=tab-1&pendingOps=0").statusCode()).isEqualTo(200);
        assertThat(pending(admin)).isEqualTo("0");

        for (String bad : new String[]{"-1", "x", "1000000001"}) {
            var refused = get(nurse, "/api/v1/sync/pull?deviceId=tab-1&pendingOps=" + bad);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(parse(refused.body()).path("code").asText()).isEqualTo("invalid_request");
            assertThat(refused.body()).contains("pendingOps");
        }
        assertThat(pending(admin)).isEqualTo("0");
    }

    private String pending(String admin) {
        return parse(get(admin, "/api/v1/admin/devices").body()).path("devices").path(0).path("pendingOps").asText();
    }

    @Test
    void theDeviceListIsForAdminsOnly() {
        String tenant = anyTenant();
        assertThat(get(userToken(tenant), "/api/v1/admin/devices").statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "aud", Role.AUDITOR), "/api/v1/admin/devices").statusCode()).isEqualTo(403);
        assertThat(get(token(tenant, "boss", Role.ADMIN), "/api/v1/admin/devices").statusCode()).isEqualTo(200);
    }
}
