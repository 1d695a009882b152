package io.outpost.bench;

import java.util.Locale;

/**
 * {@code -Dbench.which=push|pull|all} (default all): which benchmarks a {@code -Pbench} run runs. The bench profile
 * already skips the unselected one's JVM; each main checks again, so that a mistyped value fails the run instead of
 * silently running both.
 */
final class BenchSelection {

    private BenchSelection() {
    }

    /**
     * Whether the benchmark {@code name} ("push" or "pull") is selected.
     *
     * @throws IllegalArgumentException for a value other than push, pull or all
     */
    static boolean selected(String name) {
        String raw = System.getProperty("bench.which");
        String which = raw == null || raw.isBlank() ? "all" : raw.trim().toLowerCase(Locale.ROOT);
        return switch (which) {
            case "all" -> true;
            case "push", "pull" -> which.equals(name);
            default -> throw new IllegalArgumentException("-Dbench.which must be push, pull or all, not '" + raw + "'");
        };
    }
}
