package io.outpost.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.openqa.selenium.TimeoutException;
import org.opentest4j.TestAbortedException;

/**
 * The browser SDK's JavaScript test page, {@code /sdk/tests/index.html} (this module's test resources): its
 * {@code runner.js} runs the test modules in Chromium and leaves {@code window.__outpostTestResults}
 * ({@code [{name, ok, error, skipped?}]}); each result becomes a JUnit test, failing with the JS error (skipped with
 * the reason when a test called {@code needs(...)} for something this browser lacks).
 */
final class JsTestPage {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsTestPage() {
    }

    /**
     * Opens the page with {@code query} (empty: none) and waits up to {@code deadline} for its results.
     *
     * @param label   names the run in failures and, when not empty, prefixes each test's name ({@code [label] name})
     * @param atLeast fewer results than this is a failure (the page stopped early or lost a module)
     */
    static List<DynamicTest> run(Browser browser, OutpostServer server, String query, String label, Duration deadline,
                                 int atLeast) throws Exception {
        return run(browser, server.url("/sdk/tests/index.html" + (query.isEmpty() ? "" : "?" + query)), label,
                deadline, atLeast);
    }

    /** {@link #run(Browser, OutpostServer, String, String, Duration, int)} of the test page at {@code pageUrl}. */
    static List<DynamicTest> run(Browser browser, String pageUrl, String label, Duration deadline, int atLeast)
            throws Exception {
        browser.open(pageUrl);
        String run = label.isEmpty() ? "the SDK's JS tests" : "the SDK's JS tests (" + label + ")";
        try {
            browser.waitForScript("return Array.isArray(window.__outpostTestResults)", deadline);
        } catch (TimeoutException e) {
            Path shot = browser.screenshot(Path.of("target", "sdk-js-tests-" + (label.isEmpty() ? "unit" : label)
                    + "-timeout.png"));
            throw new AssertionError(run + " did not finish within " + deadline.toSeconds() + " s; done so far: "
                    + browser.script("return JSON.stringify(window.__outpostTestProgress)") + "; console errors: "
                    + browser.consoleErrors() + "; screenshot: " + shot, e);
        }
        JsonNode results = JSON.readTree((String) browser.script(
                "return JSON.stringify(window.__outpostTestResults)"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode result : results) {
            String name = (label.isEmpty() ? "" : "[" + label + "] ") + result.path("name").asText();
            boolean ok = result.path("ok").asBoolean();
            String error = result.path("error").asText("");
            String skipped = result.path("skipped").asText(null);
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (skipped != null) throw new TestAbortedException(skipped);
                if (!ok) throw new AssertionError(name + ": " + error);
            }));
        }
        if (tests.size() < atLeast) {
            throw new AssertionError(run + " reported only " + tests.size() + " tests (at least " + atLeast
                    + " expected): " + results + "; console errors: " + browser.consoleErrors());
        }
        return tests;
    }
}
