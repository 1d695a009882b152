package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The harness itself: the in-JVM server serves the SDK and the page to Chromium, and offline emulation works. */
@RequiresChromium
class HarnessTest {

    private static OutpostServer server;
    private static Browser browser;

    @BeforeAll
    static void start() {
        server = OutpostServer.shared();
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
    }

    @Test
    void theBrowserSeesTheSdkAndThePage() {
        browser.open(server.url("/sdk/outpost-sync.d.ts"));
        assertThat(browser.driver().getPageSource()).contains("export");

        browser.open(server.url("/"));
        assertThat(browser.driver().getCurrentUrl()).isEqualTo(server.url("/app/"));
        assertThat(browser.script("return document.contentType")).isEqualTo("text/html");
        assertThat((String) browser.script("return document.documentElement.outerHTML")).isNotBlank();
        assertThat(browser.driver().getTitle()).isNotBlank();
    }

    @Test
    void offlineEmulationFlipsNavigatorOnLineAndMakesFetchFailUntilBackOnline() {
        browser.open(server.url("/sdk/outpost-sync.d.ts"));
        browser.script("""
                window.__events = [];
                addEventListener('offline', () => window.__events.push('offline'));
                addEventListener('online', () => window.__events.push('online'));
                """);
        String health = "const r = await fetch('/actuator/health', {cache: 'no-store'}); return r.status;";
        assertThat(browser.script("return navigator.onLine")).isEqualTo(true);
        assertThat(browser.await(health)).isEqualTo(200L);

        browser.offline(true);
        browser.waitForScript("return navigator.onLine === false", Duration.ofSeconds(10));
        assertThatThrownBy(() -> browser.await(health)).isInstanceOf(Browser.ScriptFailure.class)
                .hasMessageContaining("TypeError");

        browser.offline(false);
        browser.waitForScript("return navigator.onLine === true", Duration.ofSeconds(10));
        assertThat(browser.await(health)).isEqualTo(200L);
        browser.waitForScript("return window.__events.length === 2", Duration.ofSeconds(10));
        assertThat(browser.script("return window.__events")).isEqualTo(List.of("offline", "online"));
    }

    /**
     * What the emulation does not do: a response that is already streaming (the SDK's {@code /sync/stream}) is not
     * cut when the browser goes offline; it keeps delivering. Code that must notice going offline listens to the
     * {@code offline} event (or fails on its next request), not to the stream.
     */
    @Test
    void goingOfflineDoesNotCutAStreamThatIsAlreadyOpen() {
        String tenant = OutpostServer.anyTenant();
        browser.open(server.url("/sdk/outpost-sync.d.ts"));
        browser.script("""
                window.__stream = {state: 'opening', chunks: 0};
                const headers = {Authorization: 'Bearer ' + arguments[0]};
                fetch('/api/v1/sync/stream?deviceId=harness-stream', {headers})
                  .then(async response => {
                    window.__stream.state = 'open ' + response.status;
                    const reader = response.body.getReader();
                    for (;;) {
                      const {done} = await reader.read();
                      if (done) { window.__stream.state = 'ended'; return; }
                      window.__stream.chunks++;
                    }
                  })
                  .catch(error => { window.__stream.state = 'failed: ' + error; });
                """, server.token(tenant, "streamer"));
        browser.waitForScript("return window.__stream.state === 'open 200'", Duration.ofSeconds(10));
        browser.offline(true);
        try {
            browser.waitForScript("return navigator.onLine === false", Duration.ofSeconds(10));
            assertThatThrownBy(() -> browser.await("return (await fetch('/actuator/health')).status"))
                    .isInstanceOf(Browser.ScriptFailure.class);
            long before = (Long) browser.script("return window.__stream.chunks");
            // a change in the tenant, pushed from outside the browser: the open stream still brings its poke
            assertThat(server.post(server.token(tenant, "writer"), "/api/v1/sync/push", """
                    {"deviceId":"harness-writer","operations":[
                      {"opId":1,"type":"create","collection":"notes","id":"n-1","data":{"text":"poke"}}]}
                    """).statusCode()).isEqualTo(200);
            browser.waitForScript("return window.__stream.chunks > " + before, Duration.ofSeconds(10));
            assertThat(browser.script("return window.__stream.state")).isEqualTo("open 200");
        } finally {
            browser.offline(false);
        }
    }

    @Test
    void theServerHasTheDemoAccountAndTellsTheStateOfARecord() {
        String signIn = server.post(null, "/api/v1/auth/token", "{\"username\":\"demo\",\"password\":\"demo\"}")
                .body();
        assertThat(signIn).contains("accessToken");

        String tenant = OutpostServer.anyTenant();
        String token = server.token(tenant, "someone");
        assertThat(server.post(token, "/api/v1/sync/push", """
                {"deviceId":"harness-test","operations":[
                  {"opId":1,"type":"create","collection":"notes","id":"n-1","data":{"text":"hello"}}]}
                """).statusCode()).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> server.record(tenant, "notes", "n-1").isPresent());
        assertThat(server.record(tenant, "notes", "n-1").orElseThrow().path("data").path("text").asText())
                .isEqualTo("hello");
    }
}
