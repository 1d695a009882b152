package io.outpost.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH micro-benchmarks of the push path's per-op pieces ({@code io.outpost.api.push.OpPieces}): one fork,
 * 3 warm-up and 5 measured iterations of 1 s each, average time per call. Report: a Markdown table at
 * {@code -Dbench.report} ({@code target/pieces-benchmark.md}). Run:
 * {@code ./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=pieces}.
 */
public final class PiecesBenchmark {

    private PiecesBenchmark() {
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("pieces", () -> {
            // -Dbench.piecesJava=/path/to/bin/java: the forked JVM the pieces run on (default: this one); the
            // server's image runs JDK 25, where reflection goes through method handles
            String java = System.getProperty("bench.piecesJava", "").trim();
            ChainedOptionsBuilder builder = new OptionsBuilder();
            if (!java.isEmpty()) builder = builder.jvm(java);
            Options options = builder
                    .include("io\\.outpost\\.api\\.(push\\.OpPieces|security\\.TokenPieces|config\\.CachePieces)\\.")
                    .forks(1)
                    .jvmArgs("-Xmx1g")
                    .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                    .build();
            Collection<RunResult> results = new Runner(options).run();
            StringBuilder md = new StringBuilder("## Per-op pieces of the push path (JMH)\n\n")
                    .append("Run ").append(Instant.now()).append(", JDK ")
                    .append(results.isEmpty() ? Runtime.version().toString()
                            : results.iterator().next().getParams().getJdkVersion())
                    .append("; one fork, 3 × 1 s warm-up, 5 × 1 s measured; average time per call ± the 99.9 % ")
                    .append("confidence interval JMH gives.\n\n| piece | ns per call | ± |\n|---|---:|---:|\n");
            for (RunResult r : results) {
                String name = r.getParams().getBenchmark();
                md.append("| ").append(name.substring(name.lastIndexOf('.') + 1)).append(" | ")
                        .append(String.format(Locale.ROOT, "%.0f", r.getPrimaryResult().getScore())).append(" | ")
                        .append(String.format(Locale.ROOT, "%.0f", r.getPrimaryResult().getScoreError()))
                        .append(" |\n");
            }
            md.append("\nCommand: `./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=pieces`\n");
            Path report = Path.of(System.getProperty("bench.report", "target/pieces-benchmark.md"));
            Files.createDirectories(report.toAbsolutePath().getParent());
            Files.writeString(report, md);
            System.out.println(md);
            System.out.println("[bench] Report written to " + report.toAbsolutePath());
            return 0;
        });
    }
}
