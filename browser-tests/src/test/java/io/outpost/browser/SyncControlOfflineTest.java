package io.outpost.browser;

import static io.outpost.browser.SyncControlPageTest.SCREENSHOTS;
import static io.outpost.browser.SyncControlPageTest.SYNC;
import static io.outpost.browser.SyncControlPageTest.addDispense;
import static io.outpost.browser.SyncControlPageTest.badge;
import static io.outpost.browser.SyncControlPageTest.byId;
import static io.outpost.browser.SyncControlPageTest.pending;
import static io.outpost.browser.SyncControlPageTest.row;
import static io.outpost.browser.SyncControlPageTest.signIn;
import static io.outpost.browser.SyncControlPageTest.syncNow;
import static io.outpost.browser.SyncControlPageTest.waitForAppReady;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.api.support.TcpProxy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;

/**
 * The Sync Control page on a device that is offline for days (issue 20, items 4 and 5; docs/offline-browser.md): the
 * session token sealed (never in localStorage in plain form) and kept across reloads, sign-out in one tab heard by the
 * others, sign-out that erases the device's data, a revoked device, persistent storage, and the service worker that
 * opens the page while the server cannot be reached.
 *
 * <p>The offline reload goes through a {@link TcpProxy} (the api module's test-jar): the page is loaded from
 * {@code 127.0.0.1:<proxy>} and the proxy refuses every connection, as a stopped server does. Chromium's emulated
 * offline mode is not used for it: it covers the page's own requests, not the fetches of its service worker.
 */
@RequiresChromium
class SyncControlOfflineTest {

    private static TcpProxy proxy;
    private final OutpostServer server = OutpostServer.shared();
    private final List<Browser> browsers = new ArrayList<>();

    @BeforeAll
    static void startProxy() throws IOException {
        proxy = new TcpProxy("127.0.0.1", OutpostServer.shared().port());
    }

    @AfterAll
    static void stopProxy() throws IOException {
        if (proxy != null) proxy.close();
        proxy = null;
    }

    @AfterEach
    void closeBrowsers() {
        proxy.pass();
        browsers.forEach(Browser::close);
    }

    private Browser signedIn(String origin) {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(origin + "/app/");
        signIn(browser, OutpostServer.DEMO, OutpostServer.DEMO);
        return browser;
    }

    private String throughProxy() {
        return "http://127.0.0.1:" + proxy.port();
    }

    /** Notes every bearer token the page sends from now on (in {@code window.__tokens}). */
    private static void recordTokens(Browser browser) {
        browser.script("""
                window.__tokens = [];
                const original = window.fetch;
                window.fetch = function (input, init) {
                  const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : {}));
                  const authorization = headers.get('Authorization');
                  if (authorization && authorization.startsWith('Bearer ')) window.__tokens.push(authorization.slice(7));
                  return original.apply(this, arguments);
                };
                """);
    }

    /** Every value in localStorage and sessionStorage, keyed {@code local:<key>} / {@code session:<key>}. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> webStorage(Browser browser) {
        return (Map<String, String>) browser.script("""
                const all = {};
                for (const [name, area] of [['local', localStorage], ['session', sessionStorage]]) {
                  for (let i = 0; i < area.length; i++) all[name + ':' + area.key(i)] = area.getItem(area.key(i));
                }
                return all;
                """);
    }

    private static boolean signInShown(Browser browser) {
        return browser.driver().findElement(By.id("signin-form")).isDisplayed();
    }

    @Test
    void theTokenIsKeptSealedOutOfLocalStorageAndAReloadKeepsTheUserSignedIn() {
        Browser browser = Browser.start();
        browsers.add(browser);
        browser.open(server.url("/app/"));
        browser.waitFor(d -> signInShown(browser));
        recordTokens(browser);
        signIn(browser, OutpostServer.DEMO, OutpostServer.DEMO);

        String token = browser.waitFor(d -> {
            List<?> tokens = (List<?>) browser.script("return window.__tokens");
            return tokens.isEmpty() ? null : String.valueOf(tokens.get(0));
        });
        assertThat(token.split("\\.")).as("a JWT").hasSize(3);
        String signature = token.substring(token.lastIndexOf('.') + 1);
        Map<String, String> stored = webStorage(browser);
        assertThat(stored).containsKey("local:outpost.session");
        assertThat(stored.values()).as("no stored value holds the token, or its signature")
                .noneMatch(v -> v.contains(token) || v.contains(signature));
        assertThat(stored.get("local:outpost.session")).contains("\"username\":\"demo\"").contains("\"sealed\":");
        // the key that seals it cannot be read out, only used
        assertThat(browser.await("""
                const db = await new Promise((ok, fail) => {
                  const r = indexedDB.open('outpost.page'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
                });
                const key = await new Promise((ok, fail) => {
                  const get = db.transaction('keys').objectStore('keys').get('session');
                  get.onsuccess = () => ok(get.result); get.onerror = () => fail(get.error);
                });
                db.close();
                try {
                  await crypto.subtle.exportKey('raw', key);
                  return 'exported';
                } catch (e) {
                  return key.algorithm.name + ' extractable=' + key.extractable + ' ' + e.name;
                }
                """)).isEqualTo("AES-GCM extractable=false InvalidAccessError");

        browser.reload();
        waitForAppReady(browser);
        assertThat(signInShown(browser)).isFalse();
        assertThat(byId(browser, "user-name").getText()).isEqualTo("demo");
        assertThat(webStorage(browser).values()).noneMatch(v -> v.contains(signature));
    }

    @Test
    void signingOutInOneTabSignsTheOtherTabOutAndSigningInAgainOpensIt() {
        Browser browser = signedIn(server.baseUrl());
        String first = browser.driver().getWindowHandle();
        browser.driver().switchTo().newWindow(WindowType.TAB);
        browser.open(server.url("/app/")); // the sealed session opens in this tab too: straight to the app
        waitForAppReady(browser);
        String second = browser.driver().getWindowHandle();

        browser.driver().switchTo().window(first);
        byId(browser, "signout").click();
        browser.waitFor(d -> d.findElement(By.id("signout-dialog")).isDisplayed());
        byId(browser, "signout-confirm").click();
        browser.waitFor(d -> signInShown(browser));

        browser.driver().switchTo().window(second);
        browser.waitFor(d -> signInShown(browser));
        assertThat(byId(browser, "signin-error").getText()).isEqualTo("You signed out in another tab.");

        browser.driver().switchTo().window(first);
        signIn(browser, OutpostServer.DEMO, OutpostServer.DEMO);
        browser.driver().switchTo().window(second);
        waitForAppReady(browser); // the new sealed session, opened with the new key
        assertThat(byId(browser, "user-name").getText()).isEqualTo("demo");
    }

    @Test
    void thePageOpensWhileTheServerIsUnreachableAndShowsTheRecordsOnTheDevice() {
        Browser browser = signedIn(throughProxy());
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // the service worker controls the page and has kept every file it loaded
        browser.waitFor(d -> "true".equals(byId(browser, "storage").getAttribute("data-offline")), SYNC);
        assertThat(browser.script("return navigator.serviceWorker.controller.scriptURL"))
                .isEqualTo(throughProxy() + "/app/sw.js");
        // the answer of navigator.storage.persist(), shown
        Object persisted = browser.await("return await navigator.storage.persisted()");
        assertThat(byId(browser, "storage").getAttribute("data-persisted")).isEqualTo(String.valueOf(persisted));
        assertThat(byId(browser, "storage").getText()).isEqualTo(Boolean.TRUE.equals(persisted)
                ? "Storage: persistent\nOpens offline" : "Storage: may be cleared by the browser\nOpens offline");

        addDispense(browser, "Paracetamol " + tag, "10 mg");
        syncNow(browser);
        browser.waitFor(d -> pending(browser) == 0, SYNC);
        String synced = row(browser, "Paracetamol " + tag).orElseThrow().getAttribute("data-id");

        // a silent network (nothing answers, nothing is refused): the worker gives the server 4 s for the page, then
        // answers from its cache, and at once for the modules after it; the page waits 3 s for the collections
        proxy.blackhole();
        long start = System.nanoTime();
        browser.reload();
        browser.waitFor(d -> d.findElement(By.id("app")).isDisplayed() && row(browser, "Paracetamol " + tag).isPresent(),
                SYNC);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "[outpost] the page showed its records %.1f s after a reload into a black-holed"
                + " network%n", seconds);
        assertThat(seconds).as("the worker's 4 s for the page and the page's 3 s for the collections, not a wait per"
                + " module").isLessThan(12);
        proxy.pass();
        browser.waitFor(d -> "idle".equals(badge(browser)) && pending(browser) == 0, SYNC);

        proxy.refuse(); // the server is gone: every connection refused
        addDispense(browser, "Naproxen " + tag, "20 mg");
        browser.waitFor(d -> pending(browser) == 1 && "offline".equals(badge(browser)), SYNC);

        browser.reload();
        browser.waitFor(d -> d.findElement(By.id("app")).isDisplayed(), SYNC);
        browser.waitFor(d -> row(browser, "Paracetamol " + tag).isPresent() && row(browser, "Naproxen " + tag).isPresent(),
                SYNC);
        assertThat(row(browser, "Paracetamol " + tag).orElseThrow().getAttribute("data-id")).isEqualTo(synced);
        assertThat(row(browser, "Naproxen " + tag).orElseThrow().getAttribute("data-pending")).isEqualTo("true");
        browser.waitFor(d -> "offline".equals(badge(browser)) && pending(browser) == 1, SYNC);
        assertThat(byId(browser, "user-name").getText()).isEqualTo("demo");
        browser.script("document.getElementById('toast').hidden = true;");
        browser.screenshot(SCREENSHOTS.resolve("sync-control-offline-reload.png"));

        // what the cache holds: the page and the SDK's modules, never an API answer
        List<?> cached = (List<?>) browser.await("""
                const urls = [];
                for (const name of await caches.keys()) {
                  const cache = await caches.open(name);
                  for (const request of await cache.keys()) urls.push(name + ' ' + request.url);
                }
                return urls;
                """);
        assertThat(cached).isNotEmpty().allMatch(u -> String.valueOf(u).startsWith("outpost-app-v"))
                .noneMatch(u -> String.valueOf(u).contains("/api/"));
        assertThat(cached.stream().map(u -> String.valueOf(u).substring(String.valueOf(u).indexOf(' ') + 1)))
                .contains(throughProxy() + "/app/", throughProxy() + "/app/app.js", throughProxy() + "/app/app.css",
                        throughProxy() + "/sdk/outpost-sync.js", throughProxy() + "/sdk/internal/store.js");

        // the server back: the change made before the reload is sent
        proxy.pass();
        syncNow(browser);
        browser.waitFor(d -> pending(browser) == 0 && "idle".equals(badge(browser)), SYNC);
        String unsent = row(browser, "Naproxen " + tag).orElseThrow().getAttribute("data-id");
        assertThat(await().atMost(SYNC).until(() -> server.record(OutpostServer.DEMO, "dispenses", unsent),
                Optional::isPresent).orElseThrow().path("data").path("medication").asText()).isEqualTo("Naproxen " + tag);
    }

    @Test
    void signingOutWithEraseRemovesTheUsersRecordsQueueAndSettingsFromTheDevice() {
        Browser browser = signedIn(server.baseUrl());
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String deviceId = byId(browser, "device-id").getText();
        browser.offline(true);
        browser.waitFor(d -> "offline".equals(badge(browser)));
        addDispense(browser, "Diclofenac " + tag, "5 mg");
        String id = row(browser, "Diclofenac " + tag).orElseThrow().getAttribute("data-id");
        browser.waitFor(d -> pending(browser) == 1);

        byId(browser, "signout").click();
        browser.waitFor(d -> d.findElement(By.id("signout-dialog")).isDisplayed());
        assertThat(byId(browser, "signout-erase-label").getText())
                .isEqualTo("Also erase this device's local data for demo");
        byId(browser, "signout-erase").click();
        assertThat(byId(browser, "signout-erase-hint").getText()).startsWith("1 change not on the server will be lost");
        assertThat(byId(browser, "signout-confirm").getText()).isEqualTo("Erase 1 change and sign out");
        assertThat(byId(browser, "signout-dialog-keep").isDisplayed()).as("nothing stays queued").isFalse();
        SyncControlPageTest.tidyForScreenshot(browser, "signout-dialog");
        browser.screenshot(SCREENSHOTS.resolve("sync-control-signout-erase.png"));
        byId(browser, "signout-confirm").click();

        browser.waitFor(d -> signInShown(browser), SYNC);
        assertThat(byId(browser, "signin-notice").getAttribute("data-kind")).isEqualTo("erased");
        assertThat(byId(browser, "signin-notice").getText()).contains("This device's data for demo was erased");
        assertThat(webStorage(browser).keySet()).as("no session, no settings of demo")
                .noneMatch(k -> k.startsWith("local:outpost.session") || k.endsWith(".demo"));

        // the change was erased with the store: signing in again is a new device with nothing unsent
        browser.offline(false);
        signIn(browser, OutpostServer.DEMO, OutpostServer.DEMO);
        assertThat(byId(browser, "device-id").getText()).isNotEqualTo(deviceId);
        assertThat(pending(browser)).isZero();
        assertThat(row(browser, "Diclofenac " + tag)).isEmpty();
        assertThat(server.record(OutpostServer.DEMO, "dispenses", id)).isEmpty();
    }

    @Test
    void aRevokedDeviceIsToldSoAndItsDataIsErased() {
        Browser browser = signedIn(server.baseUrl());
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String deviceId = byId(browser, "device-id").getText();
        byId(browser, "auto-sync").click(); // the write below stays queued until the revocation is met
        browser.waitFor(d -> Boolean.FALSE.equals(browser.script(
                "return window.outpost.client.status().autoSync.enabled")));
        addDispense(browser, "Loratadine " + tag, "1 mg");
        browser.waitFor(d -> pending(browser) == 1);

        assertThat(server.post(server.demoToken(), "/api/v1/admin/devices/" + deviceId + "/revoke", "")
                .statusCode()).isEqualTo(204);
        byId(browser, "sync-now").click();

        browser.waitFor(d -> signInShown(browser), SYNC);
        assertThat(byId(browser, "signin-notice").getAttribute("data-kind")).isEqualTo("revoked");
        assertThat(byId(browser, "signin-notice").getText()).contains("This device was revoked")
                .contains("demo's data on it was erased");
        browser.screenshot(SCREENSHOTS.resolve("sync-control-revoked.png"));

        // a new device: the store was erased, so signing in again starts afresh and is accepted
        signIn(browser, OutpostServer.DEMO, OutpostServer.DEMO);
        assertThat(byId(browser, "device-id").getText()).isNotEqualTo(deviceId);
        assertThat(row(browser, "Loratadine " + tag)).isEmpty();
        assertThat(pending(browser)).isZero();
    }
}
