package io.outpost.bench;

import java.util.Locale;

/**
 * {@code -Dbench.which=push|pull|sdk|browser|pieces|fleet|stream|all} (default all): which benchmarks a {@code -Pbench} run runs. The bench profile
 * already skips the unselected one's JVM; each main checks again, so that a mistyped value fails the run instead of
 * silently running both.
 */
final class BenchSelection {

    private BenchSelection() {
    }

    /**
     * Whether the benchmark {@code name} ("push", "pull", "sdk" or "browser") is selected.
     *
     * @throws IllegalArgumentException for a value other than push, pull, sdk, browser or all
     */
    static boolean selected(String name) {
        String raw = System.getProperty("bench.which");
        String which = raw == null || raw.isBlank() ? "all" : raw.trim().toLowerCase(Locale.ROOT);
        return switch (which) {
            case "all" -> true;
            case "push", "pull", "sdk", "browser", "pieces", "fleet", "stream" -> which.equals(name);
            default -> throw new IllegalArgumentException("-Dbench.which must be push, pull, sdk, browser, pieces, fleet, stream or all, not '" + raw + "'");
        };
    }

    /** A benchmark's body: returns the process exit code. */
    @FunctionalInterface
    interface Body {
        int run() throws Exception;
    }

    /**
     * Runs the benchmark {@code name} if it is selected and exits the JVM with its code: 1 for a failed check, 2 for
     * anything unexpected. (Tomcat, Hikari and the HttpClients leave non-daemon threads behind.)
     */
    static void runAndExit(String name, Body body) {
        int exit;
        try {
            if (!selected(name)) {
                System.out.println("[bench] " + name + " benchmark not selected (-Dbench.which="
                        + System.getProperty("bench.which") + ")");
                return;
            }
            exit = body.run();
        } catch (PushBenchmark.BenchFailure e) {
            System.out.flush();
            System.err.println("BENCHMARK FAILED: " + e.getMessage());
            if (e.getCause() != null) e.getCause().printStackTrace();
            exit = 1;
        } catch (Throwable e) {
            System.out.flush();
            System.err.println("BENCHMARK FAILED: " + e);
            e.printStackTrace();
            exit = 2;
        }
        System.exit(exit);
    }
}
