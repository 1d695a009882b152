package io.outpost.browser;

/**
 * Chromium or chromedriver is missing, or the driver could not start a session. {@link RequiresChromium} turns it into
 * a skipped test, or a failure when {@code OUTPOST_BROWSER_TESTS=required}.
 */
public class BrowserUnavailableException extends RuntimeException {

    private final String problem;

    public BrowserUnavailableException(String problem, Throwable cause) {
        super(Chromium.unavailableMessage(problem), cause);
        this.problem = problem;
    }

    /** What went wrong, e.g. {@code no Chromium at /usr/bin/chromium} (the message adds what to do). */
    public String problem() {
        return problem;
    }
}
