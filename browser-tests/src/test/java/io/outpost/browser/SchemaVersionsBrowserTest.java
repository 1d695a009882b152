package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Versioned collection schemas (docs/schema-versions.md) through the browser SDK in Chromium (IndexedDB) against a
 * real server of its own: {@code patients} at v2 {fullName}, still accepting v1 {name} (a rename); {@code charts} at
 * v2 {heading}, no longer accepting v1 {title}. The app's versions are the {@code schemaVersions} option; each op
 * keeps the version it was queued in across an app update (a client opened again on the same store with newer ones).
 */
@RequiresChromium
class SchemaVersionsBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static OutpostServer server;
    private final List<Browser> browsers = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = OutpostServer.start(
                "--sync.collections.patients.schema-version=2",
                "--sync.collections.patients.schema-versions.1.upgrade[0].rename.from=name",
                "--sync.collections.patients.schema-versions.1.upgrade[0].rename.to=fullName",
                "--sync.collections.charts.schema-version=2",
                "--sync.collections.charts.min-schema-version=2",
                "--sync.collections.charts.schema-versions.1.upgrade[0].rename.from=title",
                "--sync.collections.charts.schema-versions.1.upgrade[0].rename.to=heading");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        server = null;
    }

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(Browser::close);
    }

    /**
     * A browser on the server's origin with {@code window.openApp(schemaVersions, more)}: opens (or reopens: the same
     * store) the SDK for {@code user} as {@code window.client}, no automatic syncs unless {@code more} says, and
     * records every status it publishes in {@code window.states}.
     */
    private Browser browser(String tenant, String user) {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/sdk/outpost-sync.d.ts")); // any page of the server's origin
        browser.await("""
                const [token, user] = arguments;
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                window.states = [];
                window.openApp = async (schemaVersions, more = {}) => {
                  if (window.client) await window.client.close();
                  window.client = await openSyncClient({ user, tokenProvider: () => token,
                    collections: ['patients', 'charts'], schemaVersions, syncOnStart: false, liveUpdates: false,
                    syncAfterWriteMs: 0, autoSync: { enabled: false, intervalSeconds: 300 }, ...more });
                  window.client.subscribe((s) => window.states.push(s.state));
                };
                window.sync = async () => {
                  const r = await window.client.syncNow();
                  return { applied: r.applied, pulled: r.pulled, error: r.error };
                };
                window.pending = async () => (await window.client.pendingOps())
                  .map((o) => ({ id: o.id, schemaVersion: o.schemaVersion, data: o.data }));
                window.data = async (collection, id) => (await window.client.records(collection).get(id))?.data ?? null;
                """, server.token(tenant, user), user);
        return browser;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pending(Browser b) {
        return (List<Map<String, Object>>) b.await("return await window.pending();");
    }

    private static List<Object> pendingVersions(Browser b) {
        return pending(b).stream().map(op -> op.get("schemaVersion")).toList();
    }

    private static Map<String, Object> sync(Browser b) {
        return map(b.await("return await window.sync();"));
    }

    private static Map<String, Object> syncOk(Browser b) {
        Map<String, Object> result = sync(b);
        assertThat(result.get("error")).as("sync error").isNull();
        return result;
    }

    private static Object data(Browser b, String collection, String id) {
        return b.await("return await window.data(arguments[0], arguments[1]);", collection, id);
    }

    private static JsonNode serverData(String tenant, String collection, String id) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> server.record(tenant, collection, id),
                java.util.Optional::isPresent).orElseThrow().path("data");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requests the server has answered on {@code uri} (its http.server.requests metric). */
    private static long requests(String uri) {
        return server.bean(MeterRegistry.class).find("http.server.requests").tag("uri", uri).timers().stream()
                .mapToLong(Timer::count).sum();
    }

    @Test
    void aV1AppReadsAndWritesV1ThenItsUpdateSendsTheQueuedOpsAsV1AndNewOnesAsV2() {
        String tenant = OutpostServer.anyTenant();
        // a record written in v2 by another app
        assertThat(server.post(server.token(tenant, "office"), "/api/v1/sync/push", "{\"deviceId\": \"office\", "
                + "\"operations\": [{\"opId\": 1, \"type\": \"create\", \"collection\": \"patients\", \"id\": \"p-0\", "
                + "\"data\": {\"fullName\": \"Bo\"}}]}").statusCode()).isEqualTo(200);
        Browser till = browser(tenant, "nurse-1");
        till.await("await window.openApp({ patients: 1 });");
        till.await("await window.client.records('patients').create('p-1', { name: 'Ada' });");
        assertThat(pendingVersions(till)).as("stamped when queued").containsExactly(1L);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            syncOk(till);
            return data(till, "patients", "p-0") != null;
        });
        assertThat(data(till, "patients", "p-0")).as("pulled in v1").isEqualTo(Map.of("name", "Bo"));
        assertThat(data(till, "patients", "p-1")).isEqualTo(Map.of("name", "Ada"));
        assertThat(serverData(tenant, "patients", "p-1")).as("upgraded on arrival").isEqualTo(json("{'fullName':'Ada'}"));

        // offline, still the old app; then the app is updated (same store, the new version)
        till.await("await window.client.records('patients').create('p-2', { name: 'Cy' });");
        till.await("await window.client.records('patients').update('p-0', { name: 'Bo B' });");
        till.await("await window.openApp({ patients: 2 });");
        assertThat(pendingVersions(till)).as("each op keeps its version").containsExactly(1L, 1L);
        till.await("await window.client.records('patients').create('p-3', { fullName: 'Di' });");
        till.await("await window.client.records('patients').update('p-2', { fullName: 'Cy D' });"); // not folded
        assertThat(pendingVersions(till)).containsExactly(1L, 1L, 2L, 2L);

        assertThat(syncOk(till).get("applied")).isEqualTo(4L);
        assertThat(pending(till)).isEmpty();
        // a v1 op sent as v2 would have left `name` in the record
        assertThat(data(till, "patients", "p-0")).as("pulled afresh in v2").isEqualTo(Map.of("fullName", "Bo B"));
        assertThat(data(till, "patients", "p-1")).isEqualTo(Map.of("fullName", "Ada"));
        assertThat(data(till, "patients", "p-2")).isEqualTo(Map.of("fullName", "Cy D"));
        assertThat(data(till, "patients", "p-3")).isEqualTo(Map.of("fullName", "Di"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.record(tenant, "patients", "p-2"))
                .hasValueSatisfying(r -> assertThat(r.path("data")).isEqualTo(json("{'fullName':'Cy D'}"))));
        assertThat(serverData(tenant, "patients", "p-0")).isEqualTo(json("{'fullName':'Bo B'}"));
    }

    @Test
    void aRefusedPushStopsSyncingKeepsTheQueueAndSaysUpgradeRequired() {
        String tenant = OutpostServer.anyTenant();
        Browser till = browser(tenant, "nurse-1");
        till.await("""
                await window.openApp({ charts: 1 }, { syncAfterWriteMs: 20, syncOnReconnect: true,
                  autoSync: { enabled: true, intervalSeconds: 30 }, backoff: { baseMs: 1, capMs: 10 } });
                await window.client.records('charts').create('c-1', { title: 'Chart 1' });
                """);
        long pushes = requests("/api/v1/sync/push");

        Map<String, Object> error = map(sync(till).get("error"));
        assertThat(error).containsEntry("kind", "upgrade-required").containsEntry("code", "upgrade_required")
                .containsEntry("status", 400L);
        assertThat((String) error.get("message")).contains("charts");
        Map<String, Object> status = map(till.script("return window.client.status();"));
        assertThat(status).containsEntry("state", "upgrade-required").containsEntry("summary", "upgrade-required")
                .containsEntry("pendingOps", 1L);
        assertThat(status.get("nextAttemptAt")).as("no retry scheduled").isNull();
        assertThat(till.script("return window.states.includes('upgrade-required');")).isEqualTo(true);
        assertThat(pending(till)).singleElement().satisfies(op -> {
            assertThat(op.get("data")).isEqualTo(Map.of("title", "Chart 1"));
            assertThat(op.get("schemaVersion")).isEqualTo(1L);
        });

        // each write would sync 20 ms later, the browser's online event would sync: none does, no retry follows
        till.await("""
                await window.client.records('charts').create('c-2', { title: 'Chart 2' });
                await window.client.records('charts').update('c-1', { title: 'Chart 1b' });
                window.dispatchEvent(new Event('online'));
                """);
        await().atMost(Duration.ofSeconds(5)).until(() -> requests("/api/v1/sync/push") == pushes + 1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> requests("/api/v1/sync/push") == pushes + 1);
        assertThat(till.script("return window.client.status().state;")).isEqualTo("upgrade-required");
        assertThat(pending(till)).hasSize(3);

        // the app asks: one request, refused again
        assertThat(map(sync(till).get("error"))).containsEntry("kind", "upgrade-required");
        await().atMost(Duration.ofSeconds(5)).until(() -> requests("/api/v1/sync/push") == pushes + 2);

        // the updated app still sends the v1 ops as v1, refused as before (docs/schema-versions.md, "Raising
        // min-schema-version"); nothing is lost
        till.await("await window.openApp({ charts: 2 });");
        assertThat(pendingVersions(till)).containsExactly(1L, 1L, 1L);
        assertThat(map(sync(till).get("error"))).containsEntry("kind", "upgrade-required");
        assertThat(pending(till)).hasSize(3);
        assertThat(server.record(tenant, "charts", "c-1")).as("nothing applied").isEmpty();
    }

    @Test
    void aRefusedPullStopsSyncingUntilTheAppIsUpdatedThenItsQueuedOpGoesInItsVersion() {
        String tenant = OutpostServer.anyTenant();
        Browser till = browser(tenant, "nurse-1");
        till.await("""
                await window.openApp({ patients: 1, charts: 1 }, { syncAfterWriteMs: 20,
                  autoSync: { enabled: true, intervalSeconds: 30 }, backoff: { baseMs: 1, capMs: 10 } });
                """);
        long pulls = requests("/api/v1/sync/pull");
        long pushes = requests("/api/v1/sync/push");
        assertThat(map(sync(till).get("error"))).containsEntry("kind", "upgrade-required")
                .containsEntry("code", "upgrade_required");
        assertThat(till.script("return window.client.status().summary;")).isEqualTo("upgrade-required");

        till.await("await window.client.records('patients').create('p-9', { name: 'Eve' });"); // would sync soon
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> requests("/api/v1/sync/pull") == pulls + 1 && requests("/api/v1/sync/push") == pushes);
        assertThat(pendingVersions(till)).containsExactly(1L);

        till.await("await window.openApp({ patients: 1, charts: 2 });"); // the updated app; patients stays at v1
        assertThat(syncOk(till).get("applied")).isEqualTo(1L);
        assertThat(till.script("return window.client.status().summary;")).isEqualTo("synced");
        assertThat(data(till, "patients", "p-9")).as("read in v1").isEqualTo(Map.of("name", "Eve"));
        assertThat(serverData(tenant, "patients", "p-9")).isEqualTo(json("{'fullName':'Eve'}"));
    }
}
