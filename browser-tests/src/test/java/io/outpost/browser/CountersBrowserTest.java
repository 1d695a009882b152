package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The browser SDK's {@code increment} (contract v1.2, counters) end to end: two Chromium profiles are two tills
 * (each its own IndexedDB and deviceId) of one tenant, against a real server of its own that declares
 * {@code products.counters: [stock]}; also {@code client.transaction} (contract v1.2, op groups: all or nothing).
 */
@RequiresChromium
class CountersBrowserTest {

    private static final Duration SYNC = Duration.ofSeconds(30);

    private static OutpostServer server;
    private final List<Browser> browsers = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = OutpostServer.start("--sync.collections.products.counters[0]=stock");
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

    /** A browser with the SDK opened for {@code user} as {@code window.client} (no automatic syncs). */
    private Browser till(String tenant, String user) {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/sdk/outpost-sync.d.ts")); // any page of the server's origin
        browser.await("""
                const [token, user] = arguments;
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                window.client = await openSyncClient({ user, tokenProvider: () => token, collections: ['products', 'sales'],
                  syncOnStart: false, liveUpdates: false, syncAfterWriteMs: 0,
                  autoSync: { enabled: false, intervalSeconds: 300 } });
                """, server.token(tenant, user), user);
        return browser;
    }

    /** Runs Sync Now; the result's error kind, or null. */
    private static Object sync(Browser browser) {
        return browser.await("const r = await window.client.syncNow(); return r.error && r.error.kind;");
    }

    /** The local record's stock, its pending flag and the counts of pending and failed ops. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> local(Browser browser) {
        return (Map<String, Object>) browser.await("""
                const record = await window.client.records('products').get('sku-1');
                return { stock: record && record.data.stock, pending: record && record.pending,
                  pendingOps: (await window.client.pendingOps()).length,
                  failedOps: (await window.client.failedOps()).length };
                """);
    }

    private static void increment(Browser browser, long delta) {
        browser.await("await window.client.records('products').increment('sku-1', { stock: arguments[0] });", delta);
    }

    @Test
    void twoTillsSellingOfflineBothLandAndBothShowTheSumOfBothDeltas() {
        String tenant = OutpostServer.anyTenant();
        Browser till1 = till(tenant, "cashier-1");
        Browser till2 = till(tenant, "cashier-2");
        till1.await("await window.client.records('products').create('sku-1', { name: 'Rice 1 kg', stock: 10 });");
        assertThat(sync(till1)).isNull();
        await().atMost(SYNC).until(() -> sync(till2) == null && Long.valueOf(10).equals(local(till2).get("stock")));

        till1.offline(true);
        till2.offline(true);
        try {
            till1.waitForScript("return navigator.onLine === false", SYNC);
            till2.waitForScript("return navigator.onLine === false", SYNC);
            increment(till1, -2);
            increment(till1, -1); // folds into the unsent op
            increment(till2, -4);
            assertThat(sync(till1)).isEqualTo("offline");
            assertThat(sync(till2)).isEqualTo("offline");
            assertThat(local(till1)).containsEntry("stock", 7L).containsEntry("pending", true);
            assertThat(local(till2)).containsEntry("stock", 6L).containsEntry("pending", true);
        } finally {
            till1.offline(false);
            till2.offline(false);
        }

        // each sync pushes what is left and pulls; both end at 10 - 3 - 4, counted once on each device
        await().atMost(SYNC).until(() -> {
            sync(till1);
            sync(till2);
            return Long.valueOf(3).equals(local(till1).get("stock"))
                    && Long.valueOf(3).equals(local(till2).get("stock"));
        });
        for (Browser till : List.of(till1, till2)) {
            assertThat(local(till)).containsEntry("pendingOps", 0L).containsEntry("failedOps", 0L)
                    .containsEntry("pending", false);
        }
        // another sync changes nothing: the confirmed increments are not added again
        assertThat(sync(till1)).isNull();
        assertThat(local(till1)).containsEntry("stock", 3L);
        JsonNode onServer = server.record(tenant, "products", "sku-1").orElseThrow();
        assertThat(onServer.path("data").path("stock").asLong()).isEqualTo(3);
        assertThat(onServer.path("version").asLong()).as("the create and one increment per till").isEqualTo(3);
    }

    @Test
    void anIncrementOfAFieldThatIsNoCounterIsRejectedAndTheRecordShowsTheServerValue() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "cashier-1");
        till.await("await window.client.records('products').create('sku-1', { name: 'Rice', stock: 10, price: 3 });");
        assertThat(sync(till)).isNull();
        till.await("await window.client.records('products').increment('sku-1', { price: 1 });");
        assertThat(till.await("return (await window.client.records('products').get('sku-1')).data.price"))
                .as("the local view at once").isEqualTo(4L);
        assertThat(sync(till)).isNull();
        assertThat(till.await("""
                const [op] = await window.client.failedOps();
                const record = await window.client.records('products').get('sku-1');
                return [op.type, op.error.code, op.error.fields.map((f) => f.field).join(), record.data.price];
                """)).isEqualTo(List.of("increment", "invalid_operation", "price", 3L));
    }

    @Test
    void aTransactionOfASaleAndItsStockIncrementLandsAsOneGroup() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "cashier-1");
        till.await("await window.client.records('products').create('sku-1', { name: 'Rice', stock: 10 });");
        assertThat(sync(till)).isNull();
        assertThat(till.await("""
                await window.client.transaction(async (tx) => {
                  await tx.records('sales').create('s-1', { total: 6, sku: 'sku-1' });
                  await tx.records('products').increment('sku-1', { stock: -2 });
                });
                const ops = await window.client.pendingOps();
                return [ops.length, ops[0].group !== null && ops[0].group === ops[1].group];
                """)).isEqualTo(List.of(2L, true));
        assertThat(sync(till)).isNull();
        assertThat(local(till)).containsEntry("stock", 8L).containsEntry("pendingOps", 0L)
                .containsEntry("failedOps", 0L);
        await().atMost(SYNC).until(() -> server.record(tenant, "sales", "s-1")
                .filter(r -> r.path("data").path("total").asLong() == 6).isPresent()
                && server.record(tenant, "products", "sku-1")
                .filter(r -> r.path("data").path("stock").asLong() == 8).isPresent());
    }

    @Test
    void aTransactionWhoseIncrementIsRefusedLeavesItsCreateUnappliedAndBothOpsFailed() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "cashier-1");
        till.await("await window.client.records('products').create('sku-1', { name: 'Rice', stock: 10, price: 3 });");
        assertThat(sync(till)).isNull();
        till.await("""
                await window.client.transaction(async (tx) => {
                  await tx.records('sales').create('s-2', { total: 3 });
                  await tx.records('products').increment('sku-1', { price: 1 }); // no counter: refused
                });
                """);
        assertThat(sync(till)).isNull();
        assertThat(till.await("""
                const failed = await window.client.failedOps();
                const sale = await window.client.records('sales').get('s-2');
                const rice = await window.client.records('products').get('sku-1');
                return [failed.map((o) => `${o.collection}/${o.id} ${o.error.code}`).join(', '),
                  failed.length === 2 && failed[0].group !== null && failed[0].group === failed[1].group,
                  sale === null, rice.data.price, (await window.client.pendingOps()).length];
                """)).isEqualTo(List.of("sales/s-2 group_failed, products/sku-1 invalid_operation", true, true, 3L, 0L));
        // the push's answer comes after its commit: the feed has the product, unchanged, and no sale
        await().atMost(SYNC).until(() -> server.record(tenant, "products", "sku-1").isPresent());
        assertThat(server.record(tenant, "products", "sku-1").orElseThrow().path("data").path("price").asLong())
                .isEqualTo(3);
        assertThat(server.record(tenant, "sales", "s-2")).as("the create was not applied").isEmpty();
        // discarding one discards the group
        assertThat(till.await("""
                const [first] = await window.client.failedOps();
                return [await window.client.discard(first.opId), (await window.client.failedOps()).length];
                """)).isEqualTo(List.of(true, 0L));
    }
}
