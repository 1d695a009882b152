package io.outpost.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server as a new user starts and stops it: the server jar on the embedded default, from the repository root,
 * with no database or secret in the environment; once bare and once with an example's configuration. The banner's
 * "Try:" create works as printed, the banner names a psql line for the embedded database, and from the first line to
 * the last (a SIGTERM, as Ctrl-C or {@code docker stop} sends) the log has no WARN or ERROR.
 */
class StartAndStopTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LEVEL = Pattern.compile("^\\S+\\s+(WARN|ERROR)\\s");
    private static final Pattern READY = Pattern.compile("Outpost is ready on http://localhost:(\\d+)");
    private static final Pattern TOKEN = Pattern.compile("export TOKEN=(\\S+)");
    private static final Pattern PSQL = Pattern.compile("psql -h localhost -p (\\d+) -U postgres postgres");
    private static final Pattern BODY = Pattern.compile("-d '(\\{.*})'");

    @ParameterizedTest(name = "config: {0}")
    @ValueSource(strings = {"(none)", "examples/pharmacy/outpost.yml"})
    void theBannersAdviceWorksAndAStopLeavesNoWarning(String config, @TempDir Path dir)
            throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("faults.dockerfile")).toAbsolutePath().getParent();
        Path log = dir.resolve("server.log");
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Daxoniq.update-checker.disabled=true", "-jar", System.getProperty("faults.serverJar"),
                "--server.port=0", "--outpost.data-dir=" + dir.resolve("data")));
        if (!config.startsWith("(")) command.add("--spring.config.additional-location=" + config);
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(name -> List.of("SPRING_", "SYNC_", "OUTPOST_", "SERVER_", "PORT",
                "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS").stream().anyMatch(name::startsWith));
        Process server = pb.start();
        boolean stoppedBySigterm;
        try {
            await("the banner").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !server.isAlive() || Files.readString(log).contains("==== Outpost is ready"));
            assertThat(server.isAlive()).as("the server runs; its log:\n%s", tail(log)).isTrue();
            await("the whole banner").atMost(Duration.ofSeconds(10))
                    .until(() -> BODY.matcher(Files.readString(log)).find());
            String banner = Files.readString(log);
            assertThat(banner).as("a psql line for the embedded database")
                    .containsPattern("psql -h localhost -p \\d+ -U postgres postgres");
            assertThat(durability(banner)).as("the kept embedded database flushes every commit (zonky's default "
                    + "turns both off)").isEqualTo("fsync=on synchronous_commit=on");

            JsonNode result = tryAsPrinted(banner);
            assertThat(result.path("results").get(0).path("status").asText())
                    .as("the banner's create, sent as printed: %s", result).isEqualTo("applied");
        } finally {
            server.destroy(); // SIGTERM
            stoppedBySigterm = server.waitFor(60, TimeUnit.SECONDS);
            if (!stoppedBySigterm) server.destroyForcibly();
        }
        // (there is no tracking processor whose claim must be released first: the feed is written by the pushes)
        assertThat(stoppedBySigterm).as("a SIGTERM stopped the server within 60 s").isTrue();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines.stream().filter(l -> LEVEL.matcher(l).find()).toList())
                .as("WARN or ERROR lines from start to stop (log in %s)", log).isEmpty();
    }

    private static JsonNode tryAsPrinted(String banner) throws IOException, InterruptedException {
        Matcher port = READY.matcher(banner);
        Matcher token = TOKEN.matcher(banner);
        Matcher body = BODY.matcher(banner);
        assertThat(port.find() && token.find() && body.find()).as("port, token and body in:\n%s", banner).isTrue();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port.group(1) + "/api/v1/sync/push"))
                .header("Authorization", "Bearer " + token.group(1)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body.group(1))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** {@code SHOW fsync} and {@code SHOW synchronous_commit} of the embedded database the banner names. */
    private static String durability(String banner) {
        Matcher psql = PSQL.matcher(banner);
        assertThat(psql.find()).as("psql line in:\n%s", banner).isTrue();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + psql.group(1) + "/postgres",
                "postgres", ""); Statement st = c.createStatement()) {
            StringBuilder out = new StringBuilder();
            for (String name : List.of("fsync", "synchronous_commit")) {
                try (ResultSet rs = st.executeQuery("SHOW " + name)) {
                    rs.next();
                    out.append(out.length() == 0 ? "" : " ").append(name).append('=').append(rs.getString(1));
                }
            }
            return out.toString();
        } catch (SQLException e) {
            throw new AssertionError("cannot read the embedded database's settings: " + e, e);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
