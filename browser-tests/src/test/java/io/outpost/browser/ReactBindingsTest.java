package io.outpost.browser;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The SDK's React bindings ({@code /sdk/react.js}, the npm package's {@code outpost-sync/react}) in Chromium with
 * React 18 from the WebJars: {@code /sdk/tests/react.html?suite=react} (served by {@link StaticPages}) runs {@code react.test.js} (live reads after
 * local writes, pulls and another tab's writes; a temporary id followed; status and Sync Now; the shop example's till
 * selling offline and syncing), each result one test here ({@link JsTestPage}).
 */
@RequiresChromium
class ReactBindingsTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static StaticPages pages;
    private static Browser browser;

    /** The page's import map is inline: served without the server's CSP ({@link StaticPages}); its server is fake. */
    @BeforeAll
    static void start() throws Exception {
        pages = StaticPages.start();
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        if (pages != null) pages.close();
    }

    @TestFactory
    List<DynamicTest> reactBindings() throws Exception {
        return JsTestPage.run(browser, pages.url("/sdk/tests/react.html?suite=react"), "react", DEADLINE, 5);
    }
}
