package io.outpost.browser;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The browser SDK's JavaScript unit tests: {@code /sdk/tests/index.html} runs the modules its {@code runner.js} lists
 * in Chromium ({@link JsTestPage}); each result becomes a test here, failing with the JS error.
 */
@RequiresChromium
class SdkUnitTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static OutpostServer server;
    private static Browser browser;

    /** Here rather than in the factory: a browser that cannot start is then a skip (or a failure when required). */
    @BeforeAll
    static void start() {
        server = OutpostServer.shared();
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
    }

    @TestFactory
    List<DynamicTest> sdkUnitTests() throws Exception {
        return JsTestPage.run(browser, server, "", "", DEADLINE, 1);
    }
}
