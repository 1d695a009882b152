package io.outpost.browser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * Node.js 20+ and npm for the SDK's Node tests ({@link NodeSqliteTest}, {@link NpmPackageTest}), from the PATH.
 * Without them those tests are skipped with the install hint, unless {@code OUTPOST_NODE_TESTS=required} (the CI sets
 * it): then they fail.
 */
final class NodeJs {

    static final String REQUIRED_ENV = "OUTPOST_NODE_TESTS";
    private static final String HOW_TO_INSTALL = "install Node.js 20 or later and npm: apt-get install nodejs npm";
    private static final Duration VERSION_DEADLINE = Duration.ofSeconds(30);

    /** The outcome of {@link #problem()}, once per JVM. */
    private static Optional<String> checked;

    private NodeJs() {
    }

    /** What a run left: its exit code, its standard output and error. */
    record Result(int exitCode, String stdout, String stderr) {
        String tail() {
            String all = stdout + "\n" + stderr;
            return all.length() <= 4000 ? all : "…" + all.substring(all.length() - 4000);
        }
    }

    static boolean required() {
        return "required".equalsIgnoreCase(System.getenv(REQUIRED_ENV));
    }

    /** Returns when node and npm are usable; else skips the calling test with the reason, or fails when required. */
    static void assumeAvailable() {
        Optional<String> problem = problem();
        if (problem.isEmpty()) return;
        String message = "Node tests skipped: " + problem.get() + " (" + HOW_TO_INSTALL + "; " + REQUIRED_ENV
                + "=required makes this a failure)";
        if (required()) throw new AssertionError(message);
        System.out.println("[outpost] " + message);
        throw new TestAbortedException(message);
    }

    /** Why node or npm cannot be used (missing, or node older than 20), or empty. */
    static synchronized Optional<String> problem() {
        if (checked == null) checked = check();
        return checked;
    }

    private static Optional<String> check() {
        Path here = Path.of("").toAbsolutePath();
        for (String tool : List.of("node", "npm")) {
            Result version;
            try {
                version = run(here, VERSION_DEADLINE, Map.of(), tool, "--version");
            } catch (IOException e) {
                return Optional.of("no " + tool + " on the PATH");
            }
            if (version.exitCode() != 0) return Optional.of(tool + " --version failed: " + version.tail());
            if (tool.equals("node")) {
                String v = version.stdout().strip();
                int major = Integer.parseInt(v.replaceFirst("^v(\\d+).*$", "$1"));
                if (major < 20) return Optional.of("node " + v + " is older than 20");
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code command} in {@code directory} with {@code env} added, and waits for it within {@code deadline}
     * (killed and an AssertionError after it). IOException: the program could not be started.
     */
    static Result run(Path directory, Duration deadline, Map<String, String> env, String... command)
            throws IOException {
        Path out = Files.createTempFile("outpost-node-", ".out");
        Path err = Files.createTempFile("outpost-node-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            boolean done;
            try {
                done = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done = false;
            }
            if (!done) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within "
                        + deadline.toSeconds() + " s: " + new Result(-1, Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8)).tail());
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@link #run}, failing unless it exits with 0. */
    static Result runOk(Path directory, Duration deadline, Map<String, String> env, String... command)
            throws IOException {
        Result result = run(directory, deadline, env, command);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + result.exitCode() + ": "
                    + result.tail());
        }
        return result;
    }

    /** The arguments as one list (a command line built from parts). */
    static String[] command(Object... parts) {
        List<String> all = new ArrayList<>();
        for (Object part : parts) {
            if (part instanceof List<?> list) list.forEach(p -> all.add(String.valueOf(p)));
            else all.add(String.valueOf(part));
        }
        return all.toArray(String[]::new);
    }
}
