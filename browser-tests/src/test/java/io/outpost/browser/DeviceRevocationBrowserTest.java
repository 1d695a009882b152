package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.security.Role;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lost or shared devices with the browser SDK against the real server: an admin revokes a device ({@code POST
 * /api/v1/admin/devices/{deviceId}/revoke}, contract v1.2) and the SDK wipes its store at the next request, reports
 * kind {@code revoked} and starts over as a new device; {@code wipeLocalData()} deletes the user's store.
 */
@RequiresChromium
class DeviceRevocationBrowserTest {

    private static OutpostServer server;
    private Browser browser;

    @BeforeAll
    static void start() {
        server = OutpostServer.shared();
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) browser.close();
    }

    /** A browser with the SDK opened for {@code user} as {@code window.client} (no automatic syncs). */
    private Browser device(String tenant, String user) {
        browser = Browser.start();
        browser.open(server.url("/sdk/outpost-sync.d.ts")); // any page of the server's origin
        browser.await("""
                const [token, user] = arguments;
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                window.openClient = () => openSyncClient({ user, tokenProvider: () => token, collections: ['notes'],
                  syncOnStart: false, liveUpdates: false, syncAfterWriteMs: 0,
                  autoSync: { enabled: false, intervalSeconds: 300 } });
                window.client = await window.openClient();
                window.statuses = [];
                window.client.subscribe((s) => window.statuses.push(s.lastError && s.lastError.kind));
                """, server.token(tenant, user), user);
        return browser;
    }

    private static Object syncError(Browser browser) {
        return browser.await("const r = await window.client.syncNow(); return r.error && r.error.kind;");
    }

    @SuppressWarnings("unchecked")
    private static List<String> localIds(Browser browser) {
        return (List<String>) browser.await(
                "return (await window.client.records('notes').list()).map((r) => r.id);");
    }

    @Test
    void aRevokedDeviceWipesItsStoreReportsItAndStartsOverAsANewDevice() {
        String tenant = OutpostServer.anyTenant();
        Browser tablet = device(tenant, "nurse-1");
        tablet.await("""
                await window.client.records('notes').create('n-1', { text: 'synced 1' });
                await window.client.records('notes').create('n-2', { text: 'synced 2' });
                """);
        assertThat(syncError(tablet)).isNull();
        tablet.await("await window.client.records('notes').create('n-3', { text: 'never sent' });");
        String lost = (String) tablet.script("return window.client.deviceId;");

        String admin = server.token(tenant, "boss", Role.USER, Role.ADMIN);
        HttpResponse<String> revoked = server.post(admin, "/api/v1/admin/devices/" + lost + "/revoke", "");
        assertThat(revoked.statusCode()).isEqualTo(204);

        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) tablet.await("""
                const r = await window.client.syncNow();
                return r.error;
                """);
        assertThat(error).containsEntry("kind", "revoked").containsEntry("code", "device_revoked")
                .containsEntry("status", 403L);
        assertThat((String) error.get("message")).contains(lost).contains("wiped");
        String fresh = (String) tablet.script("return window.client.deviceId;");
        assertThat(fresh).isNotEqualTo(lost).startsWith("d-");
        assertThat(localIds(tablet)).as("nothing of the revoked device stays readable").isEmpty();
        assertThat(tablet.await("return (await window.client.pendingOps()).length;")).isEqualTo(0L);
        assertThat(tablet.script("return window.client.status().lastError.kind;")).isEqualTo("revoked");
        @SuppressWarnings("unchecked")
        List<Object> heard = (List<Object>) tablet.script("return window.statuses;");
        assertThat(heard).as("the status listeners heard it").contains("revoked");

        // the old id stays refused; the next sync is the new device's first: the server's data comes back, the
        // revoked device's unsent change does not
        assertThat(server.get(server.token(tenant, "nurse-1"), "/api/v1/sync/status?deviceId=" + lost).statusCode())
                .isEqualTo(403);
        assertThat(syncError(tablet)).isNull();
        assertThat(localIds(tablet)).containsExactly("n-1", "n-2");
        assertThat(tablet.await("return (await window.client.pendingOps()).length;")).isEqualTo(0L);
        assertThat(server.record(tenant, "notes", "n-3")).isEmpty();
        // and a write of the new device lands
        tablet.await("await window.client.records('notes').update('n-1', { text: 'after' });");
        assertThat(syncError(tablet)).isNull();
        assertThat(server.record(tenant, "notes", "n-1").orElseThrow().path("data").path("text").asText())
                .isEqualTo("after");
    }

    @Test
    void wipeLocalDataDeletesTheUsersStoreAndANewClientStartsAsANewDevice() {
        String tenant = OutpostServer.anyTenant();
        Browser till = device(tenant, "cashier-1");
        till.await("await window.client.records('notes').create('n-1', { text: 'synced' });");
        assertThat(syncError(till)).isNull();
        till.await("await window.client.records('notes').create('n-2', { text: 'unsent' });");
        String before = (String) till.script("return window.client.deviceId;");
        String store = (String) till.script("return window.client.store.name;");

        assertThat(till.await("""
                await window.client.wipeLocalData();
                const names = (await indexedDB.databases()).map((d) => d.name);
                let refused = null;
                try { await window.client.records('notes').list(); } catch (e) { refused = e.message; }
                return [names.includes(arguments[0]), refused];
                """, store))
                .isEqualTo(List.of(false, "the SyncClient is closed: its local data was wiped (wipeLocalData)"));

        till.await("window.client = await window.openClient();");
        assertThat(localIds(till)).as("an empty store").isEmpty();
        assertThat(till.script("return window.client.deviceId;")).isNotEqualTo(before);
        assertThat(syncError(till)).isNull();
        assertThat(localIds(till)).as("what the server has, nothing else").containsExactly("n-1");
    }
}
