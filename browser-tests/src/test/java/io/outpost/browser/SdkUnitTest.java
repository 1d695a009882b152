package io.outpost.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.openqa.selenium.TimeoutException;

/**
 * The browser SDK's JavaScript unit tests: {@code /sdk/tests/index.html} (from this module's test resources) runs
 * the modules its {@code runner.js} lists in Chromium and leaves {@code window.__outpostTestResults}
 * ({@code [{name, ok, error}]}); each becomes a test here, failing with the JS error.
 */
@RequiresChromium
class SdkUnitTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

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
        browser.open(server.url("/sdk/tests/index.html"));
        try {
            browser.waitForScript("return Array.isArray(window.__outpostTestResults)", DEADLINE);
        } catch (TimeoutException e) {
            Path shot = browser.screenshot(Path.of("target", "sdk-unit-tests-timeout.png"));
            throw new AssertionError("the SDK's JS tests did not finish within " + DEADLINE.toSeconds()
                    + " s; done so far: " + browser.script("return JSON.stringify(window.__outpostTestProgress)")
                    + "; console errors: " + browser.consoleErrors() + "; screenshot: " + shot, e);
        }
        JsonNode results = JSON.readTree((String) browser.script(
                "return JSON.stringify(window.__outpostTestResults)"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode result : results) {
            String name = result.path("name").asText();
            boolean ok = result.path("ok").asBoolean();
            String error = result.path("error").asText("");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (!ok) throw new AssertionError(name + ": " + error);
            }));
        }
        if (tests.isEmpty()) throw new AssertionError("the SDK's JS test runner reported no tests");
        return tests;
    }
}
