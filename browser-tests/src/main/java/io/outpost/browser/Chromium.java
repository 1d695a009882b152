package io.outpost.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the browser tests find Chromium and its WebDriver: {@code OUTPOST_CHROMIUM} and {@code OUTPOST_CHROMEDRIVER},
 * else Debian's {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (packages {@code chromium} and
 * {@code chromium-driver}). Nothing is ever downloaded. Without them the browser tests are skipped, unless
 * {@code OUTPOST_BROWSER_TESTS=required} (the CI sets it): then they fail ({@link RequiresChromium}).
 */
public final class Chromium {

    public static final String BROWSER_ENV = "OUTPOST_CHROMIUM";
    public static final String DRIVER_ENV = "OUTPOST_CHROMEDRIVER";
    public static final String REQUIRED_ENV = "OUTPOST_BROWSER_TESTS";
    public static final String DEFAULT_BROWSER = "/usr/bin/chromium";
    public static final String DEFAULT_DRIVER = "/usr/bin/chromedriver";

    private static final String HOW_TO_INSTALL = "install Debian's chromium and chromium-driver: apt-get install "
            + "chromium chromium-driver";

    /** The outcome of {@link #problem()}'s trial session, once per JVM. */
    private static Optional<String> trial;

    private Chromium() {
    }

    /** The browser executable ({@code OUTPOST_CHROMIUM}, else {@code /usr/bin/chromium}). */
    public static Path browser() {
        return Path.of(env(BROWSER_ENV, DEFAULT_BROWSER));
    }

    /** The chromedriver executable ({@code OUTPOST_CHROMEDRIVER}, else {@code /usr/bin/chromedriver}). */
    public static Path driver() {
        return Path.of(env(DRIVER_ENV, DEFAULT_DRIVER));
    }

    /** True when both the browser and the driver are executable files. */
    public static boolean available() {
        return missing().isEmpty();
    }

    /** True when {@code OUTPOST_BROWSER_TESTS=required}: a missing or broken Chromium fails the tests. */
    public static boolean required() {
        return "required".equalsIgnoreCase(System.getenv(REQUIRED_ENV));
    }

    /** What is missing, e.g. {@code no Chromium at /usr/bin/chromium}; empty when both are there. */
    public static Optional<String> missing() {
        if (!Files.isExecutable(browser())) return Optional.of("no Chromium at " + browser());
        if (!Files.isExecutable(driver())) return Optional.of("no chromedriver at " + driver());
        return Optional.empty();
    }

    /**
     * Why no browser test can run here: {@link #missing()}, else whether a trial session (one Chromium started and
     * stopped, once per JVM) failed, e.g. {@code Chromium /usr/bin/chromium with /usr/bin/chromedriver could not
     * start a session: …}. Empty when Chromium works.
     */
    public static synchronized Optional<String> problem() {
        Optional<String> missing = missing();
        if (missing.isPresent()) return missing;
        if (trial == null) {
            try (Browser ignored = Browser.start()) {
                trial = Optional.empty();
            } catch (BrowserUnavailableException e) {
                trial = Optional.of(e.problem());
            }
        }
        return trial;
    }

    /**
     * Why the browser tests do not run, for a skip or a failure: {@code browser tests skipped: no Chromium at
     * /usr/bin/chromium (install Debian's chromium and chromium-driver: …)}.
     */
    public static String unavailableMessage(String problem) {
        return required()
                ? "browser tests required (" + REQUIRED_ENV + "=required) but " + problem + " (" + HOW_TO_INSTALL + ")"
                : "browser tests skipped: " + problem + " (" + HOW_TO_INSTALL + "; set " + REQUIRED_ENV
                        + "=required to make them mandatory)";
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
