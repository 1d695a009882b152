package io.outpost.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium, one device: its own fresh profile (IndexedDB, localStorage, service workers) in a temporary
 * directory that is deleted on {@link #close()}. Started from {@link Chromium#browser()} through
 * {@link Chromium#driver()}, so Selenium Manager is never asked for (nor downloads) anything.
 *
 * <pre>{@code
 * try (Browser device = Browser.start()) {
 *     device.open(server.url("/app/"));
 *     device.offline(true);                       // navigator.onLine false, fetch fails
 *     device.waitFor(d -> device.script("return !navigator.onLine"), Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class Browser implements AutoCloseable {

    /** The flags every instance gets (plus a fresh {@code --user-data-dir}). */
    public static final List<String> FLAGS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,900");

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Selenium warns at every start that it has no CDP classes for this Chromium's version: the harness uses only
     * WebDriver and chromedriver's own commands (network conditions, logs), never Selenium's DevTools API. Kept
     * here so the level is not lost with a collected logger.
     */
    private static final java.util.logging.Logger CDP_VERSION_FINDER =
            java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    private final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;
    private boolean offline;

    private Browser(ChromeDriver driver, ChromeDriverService service, Path profile) {
        this.driver = driver;
        this.service = service;
        this.profile = profile;
    }

    /**
     * Starts a Chromium. Throws {@link BrowserUnavailableException} when Chromium or chromedriver is missing or no
     * session could be started ({@link RequiresChromium} makes that a skip, or a failure when required).
     */
    public static Browser start() {
        Chromium.missing().ifPresent(problem -> {
            throw new BrowserUnavailableException(problem, null);
        });
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
        Path profile;
        try {
            profile = Files.createTempDirectory("outpost-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a Chromium profile directory", e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Chromium.browser().toFile());
        options.addArguments(FLAGS);
        options.addArguments("--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(Chromium.driver().toString()))
                .usingAnyFreePort()
                .withSilent(true)
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
            return new Browser(driver, service, profile);
        } catch (RuntimeException e) {
            service.stop();
            delete(profile);
            throw new BrowserUnavailableException("Chromium " + Chromium.browser() + " with "
                    + Chromium.driver() + " could not start a session: " + firstLine(e.getMessage()), e);
        }
    }

    /** Navigates to {@code url} and waits for the page's load event. */
    public Browser open(String url) {
        driver.get(url);
        return this;
    }

    /** Reloads the page (its IndexedDB and other storage stay: same profile). */
    public Browser reload() {
        driver.navigate().refresh();
        return this;
    }

    public ChromeDriver driver() {
        return driver;
    }

    /**
     * Network emulation (chromedriver's network conditions): offline makes every new request of the page fail
     * ({@code fetch} rejects with {@code TypeError: Failed to fetch}, net::ERR_INTERNET_DISCONNECTED) and
     * {@code navigator.onLine} false, with an {@code offline} event; back online fires {@code online}. A response
     * that is already streaming (an open {@code /sync/stream}) is NOT cut: it keeps delivering while "offline".
     */
    public Browser offline(boolean offline) {
        if (offline) {
            ChromiumNetworkConditions conditions = new ChromiumNetworkConditions();
            conditions.setOffline(true);
            conditions.setLatency(Duration.ZERO);
            driver.setNetworkConditions(conditions);
        } else {
            driver.deleteNetworkConditions();
        }
        this.offline = offline;
        return this;
    }

    /** Whether {@link #offline(boolean)} put the browser offline. */
    public boolean isOffline() {
        return offline;
    }

    /** Runs {@code js} as the body of a function in the page ({@code arguments[i]} are the args); its return value. */
    public Object script(String js, Object... args) {
        return driver.executeScript(js, args);
    }

    /**
     * Runs asynchronous {@code js}: the last argument is the callback to call with the result. For a promise:
     * {@code asyncScript("const done = arguments[arguments.length - 1]; f().then(done, e => done('error: ' + e))")}.
     */
    public Object asyncScript(String js, Object... args) {
        return driver.executeAsyncScript(js, args);
    }

    /**
     * Awaits a promise in the page: {@code js} is a function body returning a value or a promise; returns its
     * resolved value, or throws {@link ScriptFailure} with the rejection's message.
     */
    public Object await(String js, Object... args) {
        Object outcome = driver.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const args = Array.prototype.slice.call(arguments, 0, arguments.length - 1);
                Promise.resolve().then(() => (async function () { %s }).apply(null, args))
                  .then(value => done({ok: true, value: value === undefined ? null : value}),
                        error => done({ok: false, error: String(error && error.stack || error)}));
                """.formatted(js), args);
        if (outcome instanceof java.util.Map<?, ?> result && Boolean.TRUE.equals(result.get("ok"))) {
            return result.get("value");
        }
        throw new ScriptFailure(outcome instanceof java.util.Map<?, ?> result ? String.valueOf(result.get("error"))
                : String.valueOf(outcome));
    }

    /**
     * Waits until {@code condition} returns something other than null or false (polling every 50 ms, no sleeps);
     * on timeout a {@link TimeoutException} names the page and the browser console's errors.
     */
    public <T> T waitFor(Function<WebDriver, T> condition, Duration timeout) {
        try {
            return new WebDriverWait(driver, timeout, Duration.ofMillis(50)).until(condition::apply);
        } catch (TimeoutException e) {
            String url;
            try {
                url = driver.getCurrentUrl();
            } catch (RuntimeException unknown) {
                url = "(unknown)";
            }
            throw new TimeoutException("condition not met within " + timeout.toMillis() + " ms on " + url
                    + "; browser console errors: " + consoleErrors(), e);
        }
    }

    /** {@link #waitFor(Function, Duration)} with ten seconds. */
    public <T> T waitFor(Function<WebDriver, T> condition) {
        return waitFor(condition, DEFAULT_TIMEOUT);
    }

    /** Waits until the JavaScript expression {@code js} (a function body's return) is truthy. */
    public void waitForScript(String js, Duration timeout) {
        waitFor(d -> {
            Object value = driver.executeScript(js);
            return value != null && !Boolean.FALSE.equals(value) ? value : null;
        }, timeout);
    }

    /** A PNG of the viewport at {@code file} (directories created); returns the file. */
    public Path screenshot(Path file) {
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * The browser console's errors (uncaught exceptions, failed requests, {@code console.error}) since the last
     * call: each read empties the log. The browser's own request for {@code /favicon.ico} (401 without a token) is
     * left out.
     */
    public List<String> consoleErrors() {
        try {
            return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                    .filter(e -> !e.getMessage().contains("/favicon.ico "))
                    .map(LogEntry::getMessage).toList();
        } catch (RuntimeException e) {
            return List.of("(browser log not available: " + firstLine(e.getMessage()) + ")");
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            delete(profile);
        }
    }

    /** A rejected promise or thrown error of {@link #await}. */
    public static final class ScriptFailure extends RuntimeException {
        public ScriptFailure(String message) {
            super(message);
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary directory; whatever is left is the system's to clean
        }
    }

    private static String firstLine(String text) {
        if (text == null) return "";
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
