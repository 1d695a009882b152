package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Validation before queueing (contract v1.2, "Schemas for clients") end to end: a server of its own declares the shop
 * example's schemas (examples/shop/schemas, draft 2020-12), an append-only ledger and a collection only managers may
 * write; the browser SDK fetches {@code GET /api/v1/collections} and refuses an invalid write at once with the field
 * paths the server itself gives for the same data (each case is also pushed to the server directly and the two lists
 * compared), and nothing is queued. The schemas hold offline after a reload.
 */
@RequiresChromium
class SchemaValidationBrowserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SHOP_SCHEMAS = Path.of("..", "examples", "shop", "schemas").toAbsolutePath().normalize();

    private static OutpostServer server;
    private final List<Browser> browsers = new ArrayList<>();

    @BeforeAll
    static void start() {
        assertThat(SHOP_SCHEMAS.resolve("products.schema.json")).exists();
        server = OutpostServer.start(
                "--sync.collections.products.schema=file:" + SHOP_SCHEMAS.resolve("products.schema.json"),
                "--sync.collections.stock_movements.append-only=true",
                "--sync.collections.stock_movements.schema=file:"
                        + SHOP_SCHEMAS.resolve("stock_movements.schema.json"),
                "--sync.collections.prices.write-roles[0]=manager");
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
     * A browser with the SDK opened for {@code user} as {@code window.client} (no automatic syncs), once it knows the
     * served collections; {@code window.attempt(collection, method, ...args)} makes a write and answers the refusal
     * as {@code {kind, code, fields, message}} (null when the write was accepted).
     */
    private Browser till(String tenant, String user) {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/sdk/outpost-sync.d.ts")); // any page of the server's origin
        defineHelpers(browser, server.token(tenant, user), user);
        browser.await("""
                window.client = await window.openClient();
                await window.rulesKnown();
                """);
        return browser;
    }

    private static void defineHelpers(Browser browser, String token, String user) {
        browser.await("""
                const [token, user] = arguments;
                const { openSyncClient } = await import('/sdk/outpost-sync.js');
                window.openClient = (more = {}) => openSyncClient({ user, tokenProvider: () => token,
                  collections: ['products', 'stock_movements', 'prices'], syncOnStart: false, liveUpdates: false,
                  syncAfterWriteMs: 0, autoSync: { enabled: false, intervalSeconds: 300 }, ...more });
                window.rulesKnown = async () => {
                  const deadline = Date.now() + 10000;
                  while (!window.client.collectionRules('products')) {
                    if (Date.now() > deadline) throw new Error('the collections were not fetched within 10 s');
                    await new Promise((resolve) => setTimeout(resolve, 20));
                  }
                };
                window.attempt = async (collection, method, ...args) => {
                  try {
                    await window.client.records(collection)[method](...args);
                    return null;
                  } catch (e) {
                    if (!e.error) throw e;
                    return { kind: e.error.kind, code: e.error.code, message: e.message,
                      fields: (e.error.fields || []).map((f) => f.field) };
                  }
                };
                """, token, user);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attempt(Browser browser, String collection, String method, Object... args) {
        Object[] all = new Object[args.length + 2];
        all[0] = collection;
        all[1] = method;
        System.arraycopy(args, 0, all, 2, args.length);
        return (Map<String, Object>) browser.await("return await window.attempt(...arguments);", all);
    }

    private static long pendingOps(Browser browser) {
        return (Long) browser.await("return (await window.client.pendingOps()).length;");
    }

    /** The server's answer to one op pushed by a device of its own: its result ({status, error: {code, fields}}). */
    private static JsonNode serverVerdict(String tenant, ObjectNode op) {
        ObjectNode push = JSON.createObjectNode().put("deviceId", "harness-" + UUID.randomUUID());
        push.putArray("operations").add(op.put("opId", 1));
        HttpResponse<String> answer = server.post(server.token(tenant, "harness"), "/api/v1/sync/push",
                push.toString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return parse(answer.body()).path("results").path(0);
    }

    private static List<String> fieldsOf(JsonNode result) {
        List<String> fields = new ArrayList<>();
        result.path("error").path("fields").forEach(f -> fields.add(f.path("field").asText()));
        return fields;
    }

    private static ObjectNode create(String collection, String id, String data) {
        return JSON.createObjectNode().put("type", "create").put("collection", collection).put("id", id)
                .set("data", parse(data));
    }

    @Test
    void anInvalidCreateIsRefusedAtOnceWithTheServersFieldPathsAndNothingIsQueued() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "till-1");
        List<String> cases = List.of(
                "{\"name\": \"Rice\"}",
                "{\"name\": \"\", \"priceCents\": -1, \"currency\": \"eur\", \"colour\": \"red\","
                        + " \"attributes\": {\"size\": 5}}",
                "{\"name\": \"Rice\", \"priceCents\": 1.5, \"currency\": \"EUR\", \"barcode\": \"12\","
                        + " \"taxRatePct\": 101, \"active\": \"yes\"}");
        for (int i = 0; i < cases.size(); i++) {
            String id = "sku-" + i;
            JsonNode data = parse(cases.get(i));
            Map<String, Object> local = attempt(till, "products", "create", id, JSON.convertValue(data, Map.class));
            JsonNode onServer = serverVerdict(tenant, create("products", id, cases.get(i)));

            assertThat(onServer.path("status").asText()).isEqualTo("rejected");
            assertThat(onServer.path("error").path("code").asText()).isEqualTo("validation_failed");
            assertThat(local).as("case %d refused locally", i).isNotNull()
                    .containsEntry("kind", "local").containsEntry("code", "validation_failed");
            assertThat(local.get("fields")).as("case %d: the server's field paths, in its order", i)
                    .isEqualTo(fieldsOf(onServer));
            assertThat(fieldsOf(onServer)).isNotEmpty();
            assertThat(till.await("return await window.client.records('products').get(arguments[0]);", id))
                    .as("nothing written").isNull();
        }
        assertThat(pendingOps(till)).as("nothing queued").isZero();

        assertThat(attempt(till, "products", "create", "sku-ok",
                Map.of("name", "Rice", "priceCents", 300, "currency", "EUR"))).as("a valid create").isNull();
        assertThat(pendingOps(till)).isEqualTo(1);
        assertThat(till.await("const r = await window.client.syncNow(); return r.error;")).isNull();
        assertThat(server.record(tenant, "products", "sku-ok")).isPresent();
        assertThat(server.record(tenant, "products", "sku-0")).as("the refused writes never left").isEmpty();
    }

    @Test
    void anUpdateIsValidatedOnTheMergedRecordAsTheServerDoes() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "till-1");
        till.await("await window.client.records('products').create('sku-1', arguments[0]);",
                Map.of("name", "Rice", "priceCents", 300, "currency", "EUR"));
        assertThat(till.await("const r = await window.client.syncNow(); return r.error;")).isNull();

        // a patch without the required fields is fine: the merged record has them
        assertThat(attempt(till, "products", "update", "sku-1", Map.of("priceCents", 250))).isNull();
        assertThat(till.await("const r = await window.client.syncNow(); return r.error;")).isNull();

        String patch = "{\"currency\": null, \"priceCents\": \"cheap\"}";
        Map<String, Object> local = attempt(till, "products", "update", "sku-1",
                JSON.convertValue(parse(patch), Map.class));
        ObjectNode update = JSON.createObjectNode().put("type", "update").put("collection", "products")
                .put("id", "sku-1").put("baseVersion", 2);
        update.set("data", parse(patch));
        JsonNode onServer = serverVerdict(tenant, update);
        assertThat(onServer.path("error").path("code").asText()).isEqualTo("validation_failed");
        assertThat(local).isNotNull().containsEntry("code", "validation_failed");
        assertThat(local.get("fields")).isEqualTo(fieldsOf(onServer)).isEqualTo(List.of("currency", "priceCents"));
        assertThat(pendingOps(till)).isZero();
        assertThat(till.await("return (await window.client.records('products').get('sku-1')).data.priceCents;"))
                .isEqualTo(250L);
    }

    @Test
    void appendOnlyAndWriteRolesAreRefusedLocallyAsForbidden() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "till-1");
        assertThat(till.script("return window.client.collectionRules('prices').canWrite;")).isEqualTo(false);
        Map<String, Object> price = attempt(till, "prices", "create", "p-1", Map.of("cents", 100));
        assertThat(price).containsEntry("kind", "local").containsEntry("code", "forbidden");

        Map<String, Object> movement = Map.of("productId", "sku-1", "quantity", 24, "reason", "purchase",
                "occurredAt", "2026-12-05T10:00:00Z");
        assertThat(attempt(till, "stock_movements", "create", "m-1", movement)).isNull();
        assertThat(till.await("const r = await window.client.syncNow(); return r.error;")).isNull();
        Map<String, Object> edit = attempt(till, "stock_movements", "update", "m-1", Map.of("quantity", 12));
        assertThat(edit).containsEntry("code", "forbidden");
        assertThat((String) edit.get("message")).contains("append-only");
        assertThat(attempt(till, "stock_movements", "delete", "m-1")).containsEntry("code", "forbidden");
        // the server says the same of the edit
        ObjectNode update = JSON.createObjectNode().put("type", "update").put("collection", "stock_movements")
                .put("id", "m-1").put("baseVersion", 1);
        update.putObject("data").put("quantity", 12);
        assertThat(serverVerdict(tenant, update).path("error").path("code").asText()).isEqualTo("forbidden");
        assertThat(pendingOps(till)).isZero();
    }

    @Test
    void theSchemasAreKeptInTheStoreAndHoldOfflineAfterAReload() {
        String tenant = OutpostServer.anyTenant();
        Browser till = till(tenant, "till-1");
        till.await("await window.client.close();");
        till.reload();
        defineHelpers(till, server.token(tenant, "till-1"), "till-1"); // the module, loaded while online
        till.offline(true);
        try {
            till.waitForScript("return navigator.onLine === false", Duration.ofSeconds(10));
            till.await("window.client = await window.openClient({ syncOnStart: true });");
            assertThat(till.script("return window.client.collectionRules('products') !== null;"))
                    .as("known at once, from the store").isEqualTo(true);
            Map<String, Object> local = attempt(till, "products", "create", "sku-1", Map.of("name", "Rice"));
            assertThat(local).containsEntry("code", "validation_failed");
            assertThat(local.get("fields")).isEqualTo(List.of("currency", "priceCents"));
            assertThat(attempt(till, "products", "create", "sku-2",
                    Map.of("name", "Rice", "priceCents", 300, "currency", "EUR"))).isNull();
            assertThat(pendingOps(till)).isEqualTo(1);
            assertThat(till.await("const r = await window.client.syncNow(); return r.error.kind;"))
                    .isEqualTo("offline");
        } finally {
            till.offline(false);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
