package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An encrypted browser store end to end (issue 19.3) against the real server: a nurse's client with a password
 * writes records, syncs them, pulls a record another device wrote, and queues one more; then the page reads the
 * IndexedDB database with plain cursors (not the SDK), as someone holding the lost tablet's browser profile could:
 * no field value is in it. The same steps without encryption leave the values readable (the check can fail). A
 * wrong password fails with {@code wrong_store_key} and changes no stored value.
 */
@RequiresChromium
class EncryptedStoreBrowserTest {

    private static final Duration SYNC = Duration.ofSeconds(30);
    private static final String MARKER = "Methadone-QK42-marker";

    private static OutpostServer server;
    private Browser browser;

    @BeforeAll
    static void start() {
        server = OutpostServer.shared();
    }

    @AfterEach
    void close() {
        if (browser != null) browser.close();
    }

    /**
     * In a fresh browser: another device of the tenant writes {@code other-1} and syncs; the nurse's client (store
     * {@code storeName}, {@code encryption} as JSON, null: none) writes, syncs (pushing and pulling {@code other-1}) and
     * queues {@code m-3}, and is closed. Returns the nurse's store's raw text.
     */
    @SuppressWarnings("unchecked")
    private Map<String, Object> writeSyncAndDump(String tenant, String storeName, String encryption) {
        browser = Browser.start();
        browser.open(server.url("/sdk/outpost-sync.d.ts")); // any page of the server's origin
        return (Map<String, Object>) browser.await("""
                const [otherToken, nurseToken, storeName, marker, encryptionJson] = arguments;
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                const { rawText } = await import('/sdk/tests/raw-idb.js');
                const options = (user, token) => ({ user, tokenProvider: () => token, storeName, collections: ['meds'],
                  syncOnStart: false, liveUpdates: false, syncAfterWriteMs: 0,
                  autoSync: { enabled: false, intervalSeconds: 300 } });
                const other = await openSyncClient(options('other', otherToken));
                await other.records('meds').create('other-1', { name: `${marker} from another device` });
                const first = await other.syncNow();
                await other.close();
                const encryption = JSON.parse(encryptionJson) ?? undefined;
                const client = await openSyncClient({ ...options('nurse', nurseToken), encryption });
                await client.records('meds').create('m-1', { name: `${marker} 5 mg`, patient: `${marker} P-17` });
                await client.records('meds').create('m-2', { name: `${marker} 10 mg` });
                await client.records('meds').update('m-1', { dose: `${marker} twice a day` });
                const sync = await client.syncNow();
                await client.records('meds').create('m-3', { name: `${marker} queued` });
                const pulled = await client.records('meds').get('other-1');
                const pending = (await client.pendingOps()).map((o) => o.data.name);
                const ids = (await client.records('meds').list()).map((r) => r.id);
                await client.close();
                return { first: first.error && first.error.kind, error: sync.error && sync.error.kind,
                  pushed: sync.pushed, pulled: pulled && pulled.data.name, pending, ids,
                  raw: await rawText(`${storeName}-nurse`) };
                """, server.token(tenant, "other"), server.token(tenant, "nurse"), storeName, MARKER, encryption);
    }

    @Test
    void anEncryptedStoreHoldsNoFieldValueOfARecordOrAQueuedOpInIndexedDb() {
        String tenant = OutpostServer.anyTenant();
        Map<String, Object> r = writeSyncAndDump(tenant, "enc", "{\"password\": \"nurse password 1\"}");
        assertThat(r.get("first")).isNull();
        assertThat(r.get("error")).isNull();
        assertThat(r.get("pushed")).isEqualTo(2L);
        assertThat(r.get("pulled")).as("pulled from the server").isEqualTo(MARKER + " from another device");
        assertThat(r.get("pending")).isEqualTo(List.of(MARKER + " queued"));
        assertThat(r.get("ids")).isEqualTo(List.of("m-1", "m-2", "m-3", "other-1"));
        String raw = (String) r.get("raw");
        assertThat(raw).as("ids stay in clear (the raw read did find the rows)").contains("m-1", "other-1", "m-3");
        assertThat(raw).doesNotContain(MARKER).doesNotContain("Methadone").doesNotContain("nurse password");
        // the server got the values (the push carried them in clear, over TLS in production)
        await().atMost(SYNC).until(() -> server.record(tenant, "meds", "m-1")
                .filter(rec -> rec.path("data").path("dose").asText().equals(MARKER + " twice a day")).isPresent());
    }

    @Test
    void thePlainStoreHoldsThemSoTheCheckCanFail() {
        Map<String, Object> r = writeSyncAndDump(OutpostServer.anyTenant(), "plain", "null");
        assertThat(r.get("error")).isNull();
        assertThat(r.get("pulled")).isEqualTo(MARKER + " from another device");
        assertThat((String) r.get("raw")).contains(MARKER + " from another device", MARKER + " queued",
                MARKER + " twice a day");
    }

    @Test
    void aWrongPasswordFailsWithWrongStoreKeyAndChangesNothing() {
        String tenant = OutpostServer.anyTenant();
        Map<String, Object> r = writeSyncAndDump(tenant, "wrong", "{\"password\": \"right password\"}");
        assertThat(r.get("error")).isNull();
        assertThat(browser.await("""
                const [token] = arguments;
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                const { rawRows, serialize } = await import('/sdk/tests/raw-idb.js');
                const dump = async () => (await rawRows('wrong-nurse')).map((row) => serialize(row)).join('\\n');
                const options = { user: 'nurse', tokenProvider: () => token, storeName: 'wrong', collections: ['meds'],
                  syncOnStart: false, liveUpdates: false, autoSync: { enabled: false, intervalSeconds: 300 } };
                const before = await dump();
                const outcomes = [];
                for (const encryption of [{ password: 'wrong password' }, undefined, 'device-key']) {
                  try {
                    await openSyncClient({ ...options, encryption });
                    outcomes.push('opened');
                  } catch (e) {
                    outcomes.push(`${e.name} ${e.error && e.error.kind} ${e.error && e.error.code}`);
                  }
                }
                const unchanged = (await dump()) === before;
                const client = await openSyncClient({ ...options, encryption: { password: 'right password' } });
                const m3 = await client.records('meds').get('m-3');
                await client.close();
                return [...outcomes, unchanged, m3.data.name];
                """, server.token(tenant, "nurse"))).isEqualTo(List.of(
                "SyncRequestError local wrong_store_key", "SyncRequestError local store_key_required",
                "SyncRequestError local wrong_store_key", true, MARKER + " queued"));
    }
}
