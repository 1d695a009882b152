package io.outpost.api.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Contract v1.2, Device revocation: a revoked device is refused with device_revoked on every endpoint, for good. */
class DeviceRevocationTest extends ServerTest {

    @Autowired
    DataSource dataSource;

    private HttpResponse<String> revoke(String token, String deviceId) {
        return send(HttpRequest.newBuilder(uri("/api/v1/admin/devices/" + deviceId + "/revoke"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));
    }

    @Test
    void aRevokedDeviceIsRefusedEverywhereAndNeverBoundAgain() {
        String tenant = anyTenant();
        String nurse = token(tenant, "nurse-1", Role.USER);
        String admin = token(tenant, "boss", Role.USER, Role.ADMIN);
        long before = footprint(tenant);
        pushOk(nurse, json("{'deviceId':'lost-tablet','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'n-1','data':{}}]}"));

        assertThat(revoke(admin, "lost-tablet").statusCode()).isEqualTo(204);
        assertThat(revoke(admin, "lost-tablet").statusCode()).as("idempotent").isEqualTo(204);
        assertThat(revoke(admin, "never-seen").statusCode()).isEqualTo(404);
        HttpResponse<String> bad = revoke(admin, "x".repeat(65));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(parse(bad.body()).path("code").asText()).isEqualTo("invalid_request");
        assertThat(revoke(token(anyTenant(), "other-admin", Role.ADMIN), "lost-tablet").statusCode())
                .as("another tenant's admin does not see the device").isEqualTo(404);

        long afterRevoke = footprint(tenant);
        HttpResponse<String> push = push(nurse, json("{'deviceId':'lost-tablet','operations':[{'opId':2,"
                + "'type':'create','collection':'notes','id':'n-2','data':{}}]}"));
        assertThat(push.statusCode()).isEqualTo(403);
        assertThat(parse(push.body()).path("code").asText()).isEqualTo("device_revoked");
        for (String path : new String[] {"/api/v1/sync/pull?deviceId=lost-tablet",
                "/api/v1/sync/status?deviceId=lost-tablet"}) {
            HttpResponse<String> r = get(nurse, path);
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(parse(r.body()).path("code").asText()).isEqualTo("device_revoked");
        }
        HttpResponse<String> otherUser = get(token(tenant, "nurse-2", Role.USER),
                "/api/v1/sync/pull?deviceId=lost-tablet");
        assertThat(parse(otherUser.body()).path("code").asText()).as("never bound again, by anyone")
                .isEqualTo("device_revoked");
        assertThat(footprint(tenant)).as("the refused push changed nothing").isEqualTo(afterRevoke);
        assertThat(afterRevoke).isGreaterThan(before);
        assertThat(pushOk(nurse, json("{'deviceId':'new-tablet','operations':[]}")).path("lastProcessedOpId")
                .asLong()).as("the user goes on with a new device").isZero();
    }

    /**
     * A revocation waits for the device's push in progress (here a transaction holding the device's push lock, as
     * a push does from its start to its commit): once the revocation is answered, no push of the device commits.
     */
    @Test
    void aRevocationWaitsForTheDevicesPushInProgress() throws Exception {
        String tenant = anyTenant();
        String nurse = token(tenant, "nurse-1", Role.USER);
        String admin = token(tenant, "boss", Role.USER, Role.ADMIN);
        pushOk(nurse, json("{'deviceId':'tablet','operations':[]}"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (java.sql.Connection push = dataSource.getConnection()) {
            push.setAutoCommit(false);
            try (java.sql.PreparedStatement lock = push.prepareStatement(
                    "SELECT pg_advisory_xact_lock(?, hashtext(? || '/' || ?))")) {
                lock.setInt(1, 0x0de71c);
                lock.setString(2, tenant);
                lock.setString(3, "tablet");
                lock.execute();
            }
            java.util.concurrent.Future<HttpResponse<String>> revoked = pool.submit(() -> revoke(admin, "tablet"));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = ? AND NOT granted",
                    Long.class, 0x0de71c) == 1);
            assertThat(revoked).isNotDone();
            push.commit();
            assertThat(revoked.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(204);
        } finally {
            pool.shutdownNow();
        }
    }
}
