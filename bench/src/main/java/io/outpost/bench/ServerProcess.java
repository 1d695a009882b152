package io.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.crypto.SecretKey;

/**
 * The Outpost server as its own process, started the way a deployment starts it: {@code java <flags> -jar <server
 * jar>} against an external PostgreSQL, configured through the environment ({@code SPRING_DATASOURCE_URL},
 * {@code SPRING_DATASOURCE_USERNAME}, {@code SPRING_DATASOURCE_PASSWORD}, {@code SYNC_JWT_SECRET}, {@code PORT},
 * {@code OUTPOST_DATA_DIR}) plus optional Spring command-line arguments. Its stdout and stderr go to a log file.
 * {@link #start} returns once {@code GET /actuator/health} answers UP.
 *
 * <p>The JVM flags default to those of the {@code ENTRYPOINT} of the repository's {@code Dockerfile} (everything
 * between {@code java} and {@code -jar}), so the benchmark and the image cannot drift apart
 * ({@link #jvmArgsFromDockerfile}).
 *
 * <p>Tokens are HS256 JWTs made exactly as {@code io.outpost.api.security.JwtService#issue} makes them (subject =
 * user, claims {@code tenant} and {@code roles}, issued-at, expiration) with the secret the server was given.
 * {@link #cpuNanos()} and {@link #rssBytes()} read {@code /proc/<pid>} of the server's JVM (Linux).
 */
public final class ServerProcess implements TokenSource, AutoCloseable {

    /** The server's HS256 secret (48 bytes: the server requires at least 32). */
    public static final String JWT_SECRET = "outpost-bench-server-process-secret-0123456789ab";
    static final Duration HEALTH_DEADLINE = Duration.ofSeconds(120);
    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    static final Duration TOKEN_LIFETIME = Duration.ofHours(24);
    /** Inherited environment variables with these prefixes are not passed on: the server sees only what we set. */
    static final List<String> DROPPED_ENV_PREFIXES = List.of("SPRING_", "SYNC_", "OUTPOST_", "SERVER_", "PORT",
            "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "AXON");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecretKey KEY = Keys.hmacShaKeyFor(JWT_SECRET.getBytes(StandardCharsets.UTF_8));

    /**
     * How to start a server.
     *
     * @param java       the java executable
     * @param jar        the runnable server jar (absolute)
     * @param jvmArgs    flags between {@code java} and {@code -jar}
     * @param springArgs command-line arguments after the jar, e.g. {@code --outpost.push.aggregate-cache-size=0}
     * @param jdbcUrl    the PostgreSQL the server uses (user and password postgres)
     * @param log        the file that gets the server's stdout and stderr
     * @param dataDir    {@code OUTPOST_DATA_DIR}
     * @param env        more environment variables (Spring's relaxed binding; command-line arguments outrank them)
     */
    public record Config(Path java, Path jar, List<String> jvmArgs, List<String> springArgs, String jdbcUrl, Path log,
                  Path dataDir, Map<String, String> env) {

        public Config {
            jvmArgs = List.copyOf(jvmArgs);
            springArgs = List.copyOf(springArgs);
            env = Map.copyOf(env);
        }

        /** The same, with more JVM flags. */
        Config withJvmArgs(List<String> more) {
            List<String> flags = new ArrayList<>(jvmArgs);
            flags.addAll(more);
            return new Config(java, jar, flags, springArgs, jdbcUrl, log, dataDir, env);
        }
    }

    private final Config config;
    private final Process process;
    private final int port;
    private final List<String> command;
    private final Thread reaper;
    private double startSeconds;

    private ServerProcess(Config config, Process process, int port, List<String> command, Thread reaper) {
        this.config = config;
        this.process = process;
        this.port = port;
        this.command = command;
        this.reaper = reaper;
    }

    /**
     * Starts the server on a free port and waits until it is healthy (at most 120 s); on a
     * timeout or an early exit the process is stopped and the failure names the log's tail.
     */
    public static ServerProcess start(Config config) throws IOException, InterruptedException {
        return start(config, freePort());
    }

    /** As {@link #start(Config)}, on a given port (a node restarted behind a load balancer keeps its port). */
    public static ServerProcess start(Config config, int port) throws IOException, InterruptedException {
        if (!Files.isRegularFile(config.jar())) {
            throw new PushBenchmark.BenchFailure("the server jar " + config.jar() + " does not exist; build it with "
                    + "'./mvnw -pl api -am package -DskipTests' or name one with -Dbench.serverJar=...");
        }
        config = withClassDataArchive(config);
        Files.createDirectories(config.dataDir());
        if (config.log().getParent() != null) Files.createDirectories(config.log().getParent());
        List<String> command = new ArrayList<>();
        command.add(config.java().toString());
        command.addAll(config.jvmArgs());
        command.add("-jar");
        command.add(config.jar().toString());
        // a deployment declares its collections (undeclared ones are refused outside development mode)
        command.add("--sync.collections." + BenchDevice.COLLECTION + ".conflict-strategy=reject");
        command.addAll(config.springArgs());
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(config.dataDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(config.log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        environment(pb.environment(), config, port);

        long startAt = System.nanoTime();
        Process process = pb.start();
        // stops the server if this JVM is ended before close() (e.g. Ctrl-C of the Maven run)
        Thread reaper = new Thread(() -> {
            if (process.isAlive()) process.destroyForcibly();
        }, "bench-server-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        ServerProcess server = new ServerProcess(config, process, port, List.copyOf(command), reaper);
        try {
            awaitHealthy(server, startAt);
        } catch (Throwable e) {
            server.close();
            throw e;
        }
        server.startSeconds = PushBenchmark.seconds(System.nanoTime() - startAt);
        return server;
    }

    /** The server's environment: only what a deployment would set (inherited server settings are dropped). */
    private static void environment(Map<String, String> env, Config config, int port) {
        env.keySet().removeIf(name -> DROPPED_ENV_PREFIXES.stream().anyMatch(name::startsWith));
        env.putAll(config.env());
        env.put("SPRING_DATASOURCE_URL", config.jdbcUrl());
        env.put("SPRING_DATASOURCE_USERNAME", "postgres");
        env.put("SPRING_DATASOURCE_PASSWORD", "postgres");
        env.put("SYNC_JWT_SECRET", JWT_SECRET);
        env.put("PORT", Integer.toString(port));
        env.put("OUTPOST_DATA_DIR", config.dataDir().toString());
    }

    static final String ARCHIVE_FLAG = "-XX:SharedArchiveFile=";
    static final String AOT_CACHE_FLAG = "-XX:AOTCache=";
    /** The first JDK whose AOT cache (JEP 483, with method profiles since 25: JEP 515) the image uses. */
    static final int AOT_CACHE_JDK = 25;

    /**
     * The image starts the server from its extracted jar with a class cache its build wrote in a training start
     * (Dockerfile): JDK 25's AOT cache ({@code -XX:AOTCache}), or, as an earlier image did, a JDK 17 class-data
     * archive ({@code -XX:SharedArchiveFile}). When the flags name either, the benchmark does the same before the
     * timed start: the jar extracted into {@code <jar>-cds/} or {@code <jar>-aot/} beside it, a training start against
     * this run's database (it stops when the application context is ready; not timed, as in the image's build), and
     * the flag pointed at the result. Kept while the jar is older than it and the JVM and flags are the same. An AOT cache needs a JDK 25 or later: when
     * the configured java is older, the newest JDK under {@code /usr/lib/jvm} that is recent enough is used (the image
     * runs on one); if there is none, the server starts without the cache and the log says so. Synchronized: nodes
     * started in parallel share one cache.
     */
    static synchronized Config withClassDataArchive(Config config) throws IOException, InterruptedException {
        boolean aot = config.jvmArgs().stream().anyMatch(a -> a.startsWith(AOT_CACHE_FLAG));
        String flag = aot ? AOT_CACHE_FLAG : ARCHIVE_FLAG;
        String named = config.jvmArgs().stream().filter(a -> a.startsWith(flag)).findFirst().orElse(null);
        // no cache, or one that is already here (a config this method returned, or a cache made elsewhere)
        if (named == null || Files.isRegularFile(Path.of(named.substring(flag.length())))) return config;
        List<String> flags = new ArrayList<>(config.jvmArgs().stream().filter(a -> !a.startsWith(flag)).toList());
        Path java = config.java();
        if (aot && javaFeatureVersion(java) < AOT_CACHE_JDK) {
            Path newer = installedJava(AOT_CACHE_JDK);
            if (newer == null) {
                PushBenchmark.log("the image runs on JDK " + AOT_CACHE_JDK + " with an AOT cache; no such JDK here ("
                        + java + " is older, none under /usr/lib/jvm): the server starts without the cache");
                return new Config(java, config.jar(), flags, config.springArgs(), config.jdbcUrl(), config.log(),
                        config.dataDir(), config.env());
            }
            java = newer;
        }
        String name = config.jar().getFileName().toString();
        Path dir = config.jar().resolveSibling(name.replaceFirst("\\.jar$", "") + (aot ? "-aot" : "-cds"));
        Path app = dir.resolve(name);
        Path archive = dir.resolve(aot ? "outpost-server.aot" : "outpost-server.jsa");
        Path madeBy = dir.resolve("java");
        // the cache is only good for the JVM and flags that trained it (another GC, heap or jar: the JVM refuses it)
        String maker = java + " " + String.join(" ", flags);
        boolean fresh = Files.isRegularFile(archive) && Files.isRegularFile(app)
                && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(config.jar())) > 0
                && Files.isRegularFile(madeBy) && Files.readString(madeBy).equals(maker);
        if (!fresh) {
            PushBenchmark.deleteTree(dir);
            run(List.of(java.toString(), "-Djarmode=tools", "-jar", config.jar().toString(), "extract",
                    "--destination", dir.toString()), null, config, dir.resolveSibling(dir.getFileName() + "-extract.log"));
            List<String> training = new ArrayList<>();
            training.add(java.toString());
            training.addAll(flags);
            training.add((aot ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + archive);
            training.add("-Dspring.context.exit=onRefresh");
            training.add("-jar");
            training.add(app.toString());
            training.add("--sync.collections." + BenchDevice.COLLECTION + ".conflict-strategy=reject");
            Files.createDirectories(config.dataDir());
            run(training, config, config, dir.resolve("training.log"));
            if (!Files.isRegularFile(archive)) {
                throw new PushBenchmark.BenchFailure("the training start wrote no " + (aot ? "AOT cache" : "class-data "
                        + "archive") + "; see " + dir.resolve("training.log"));
            }
            Files.writeString(madeBy, maker);
        }
        flags.add(flag + archive);
        return new Config(java, app, flags, config.springArgs(), config.jdbcUrl(), config.log(),
                config.dataDir(), config.env());
    }

    /** The feature version of the JDK or JRE that {@code java} belongs to (its {@code release} file), or 0. */
    static int javaFeatureVersion(Path java) {
        Path release = java.toAbsolutePath().getParent().getParent().resolve("release");
        try {
            for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    int dot = v.indexOf('.');
                    return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** The java of the newest JDK under /usr/lib/jvm whose feature version is at least {@code atLeast}, or null. */
    static Path installedJava(int atLeast) throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) return null;
        try (var homes = Files.list(jvms)) {
            return homes.map(home -> home.resolve("bin/java")).filter(Files::isExecutable)
                    .filter(j -> javaFeatureVersion(j) >= atLeast)
                    .max(Comparator.comparingInt(ServerProcess::javaFeatureVersion)).orElse(null);
        }
    }

    private static void run(List<String> command, Config envOf, Config config, Path log)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                .directory(config.dataDir().getParent() == null ? null : config.dataDir().getParent().toFile());
        if (envOf != null) environment(pb.environment(), envOf, freePort());
        Process p = pb.start();
        if (!p.waitFor(HEALTH_DEADLINE.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new PushBenchmark.BenchFailure(String.join(" ", command) + " failed; see " + log + ":\n"
                    + tail(log, 30));
        }
    }

    private static void awaitHealthy(ServerProcess server, long startAt) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(server.uri("/actuator/health")).timeout(Duration.ofSeconds(5))
                .GET().build();
        long deadline = startAt + HEALTH_DEADLINE.toNanos();
        String last = "no answer";
        while (true) {
            if (!server.process.isAlive()) {
                throw new PushBenchmark.BenchFailure("the server exited with code " + server.process.exitValue()
                        + " before it was healthy; the end of " + server.config.log() + ":\n"
                        + tail(server.config.log(), 40));
            }
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && "UP".equals(JSON.readTree(r.body()).path("status").asText())) return;
                last = "HTTP " + r.statusCode() + ": " + PushBenchmark.excerpt(r.body());
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            if (System.nanoTime() > deadline) {
                throw new PushBenchmark.BenchFailure("the server was not healthy " + HEALTH_DEADLINE.toSeconds()
                        + " s after its start (last answer of /actuator/health: " + last + "); the end of "
                        + server.config.log() + ":\n" + tail(server.config.log(), 40));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The command line it was started with. */
    List<String> command() {
        return command;
    }

    public Config config() {
        return config;
    }

    /** From starting the process to the first UP of /actuator/health. */
    public double startSeconds() {
        return startSeconds;
    }

    /** A token for {@code userId} in {@code tenant} with role user. */
    @Override
    public String token(String tenant, String userId) {
        return token(tenant, userId, "user");
    }

    /** A token with role admin (for the details of /actuator/health and for /actuator/metrics). */
    public String adminToken(String tenant, String userId) {
        return token(tenant, userId, "admin");
    }

    /** As {@code JwtService.issue}: subject, tenant, roles (sorted), issued-at, expiration; HS256. */
    public static String token(String tenant, String userId, String... roles) {
        Instant now = Instant.now();
        return Jwts.builder()
                .subject(userId)
                .claim("tenant", tenant)
                .claim("roles", Arrays.stream(roles).sorted().toList())
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(TOKEN_LIFETIME)))
                .signWith(KEY, Jwts.SIG.HS256)
                .compact();
    }

    /** utime + stime of the server's JVM (all its threads) so far, in nanoseconds ({@code /proc/<pid>/stat}). */
    long cpuNanos() {
        return Proc.cpuNanos(pid());
    }

    /** CPU of the server's live threads by group (request threads, event processors, JIT, GC, ...), in ns. */
    Map<String, Long> threadCpuNanos() {
        return Proc.threadCpuNanos(pid());
    }

    /** Resident set size now (VmRSS), in bytes; -1 if unknown. */
    public long rssBytes() {
        return Proc.statusBytes(pid(), "VmRSS");
    }

    /** Peak resident set size (VmHWM), in bytes; -1 if unknown. */
    long peakRssBytes() {
        return Proc.statusBytes(pid(), "VmHWM");
    }

    /** The first line of {@code java -version} of the server's java executable. */
    String javaVersion() {
        String out = Proc.output(config.java().toString(), "-version");
        if (out == null) return "unknown";
        String[] lines = out.strip().split("\n");
        return lines.length >= 2 ? lines[0].trim() + "; " + lines[lines.length - 1].trim() : lines[0].trim();
    }

    /** The output of {@code jcmd <pid> <command>} for the server's JVM, or null if jcmd is not there or fails. */
    String jcmd(String... command) {
        Path jcmd = config.java().resolveSibling("jcmd");
        List<String> words = new ArrayList<>(List.of(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                Long.toString(pid())));
        words.addAll(Arrays.asList(command));
        return Proc.output(words.toArray(String[]::new));
    }

    /** The flags the server's JVM runs with ({@code jcmd <pid> VM.flags}), or null if jcmd is not there. */
    String vmFlags() {
        String out = jcmd("VM.flags");
        if (out == null) return null;
        for (String line : out.split("\n")) {
            if (line.trim().startsWith("-XX")) return line.trim();
        }
        return null;
    }

    /** GET with an admin token; the JSON answer, or null if not 200. */
    JsonNode getAsAdmin(String path) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminToken("bench-admin", "bench-admin")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    /** A statistic (e.g. COUNT, TOTAL_TIME, TOTAL) of {@code /actuator/metrics/<name>}; NaN if there is none. */
    double metric(String name, String statistic) throws IOException, InterruptedException {
        JsonNode m = getAsAdmin("/actuator/metrics/" + name);
        if (m == null) return Double.NaN;
        for (JsonNode s : m.path("measurements")) {
            if (statistic.equals(s.path("statistic").asText())) return s.path("value").asDouble();
        }
        return Double.NaN;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL (kill -9): no shutdown hook, no graceful stop; returns once the process has exited. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("the server (pid " + pid() + ") survived SIGKILL for "
                    + STOP_GRACE.toSeconds() + " s");
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    /** destroy (SIGTERM: Spring's graceful shutdown), then destroyForcibly after 10 s. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                    PushBenchmark.log("the server (pid " + pid() + ") did not stop within " + STOP_GRACE.toSeconds()
                            + " s; killing it");
                    process.destroyForcibly();
                    process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    // ------------------------------------------------------------------------------------------ configuration

    /**
     * The JVM flags of the Dockerfile's {@code ENTRYPOINT} (exec form {@code ["java", ..., "-jar", ...]} or shell
     * form): every word between {@code java} (or a path ending in {@code /java}) and {@code -jar}.
     */
    public static List<String> jvmArgsFromDockerfile(Path dockerfile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dockerfile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dockerfile + " for the server's JVM flags (or give them "
                    + "with -Dbench.serverJvmArgs=...)", e);
        }
        String entrypoint = null;
        StringBuilder current = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (current != null) {
                current.append(' ').append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line);
                if (!line.endsWith("\\")) {
                    entrypoint = current.toString();
                    current = null;
                }
                continue;
            }
            if (line.regionMatches(true, 0, "ENTRYPOINT", 0, 10)) {
                String rest = line.substring(10);
                if (rest.endsWith("\\")) {
                    current = new StringBuilder(rest.substring(0, rest.length() - 1));
                } else {
                    entrypoint = rest; // the last ENTRYPOINT wins, as in Docker
                }
            }
        }
        if (entrypoint == null) throw new IllegalStateException(dockerfile + " has no ENTRYPOINT");
        List<String> words = new ArrayList<>();
        String text = entrypoint.strip();
        if (text.startsWith("[")) {
            try {
                for (JsonNode w : JSON.readTree(text)) words.add(w.asText());
            } catch (IOException e) {
                throw new IllegalStateException(dockerfile + ": the ENTRYPOINT is not a JSON array: " + text, e);
            }
        } else {
            words.addAll(Arrays.asList(text.split("\\s+")));
        }
        int java = -1;
        for (int i = 0; i < words.size(); i++) {
            if (words.get(i).equals("java") || words.get(i).endsWith("/java")) {
                java = i;
                break;
            }
        }
        int jar = words.indexOf("-jar");
        if (java < 0 || jar < java) {
            throw new IllegalStateException(dockerfile + ": the ENTRYPOINT is not 'java ... -jar ...': " + text);
        }
        return List.copyOf(words.subList(java + 1, jar));
    }

    /** Whitespace-separated words; blank: none. */
    static List<String> words(String text) {
        if (text == null || text.isBlank()) return List.of();
        return List.of(text.strip().split("\\s+"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** The last {@code lines} lines of a file. */
    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
