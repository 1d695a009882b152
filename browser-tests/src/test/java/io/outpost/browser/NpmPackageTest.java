package io.outpost.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The browser SDK as an npm package (issue 23.1): {@code npm pack} of {@code browser-sdk/} holds exactly the files the
 * server serves at {@code /sdk/} (its {@code src/main/js/}) with its package.json and README; the tarball installs
 * into a scratch app, which imports the package by name and syncs through it from Node.js on the SQLite adapter
 * against the real server. Skipped without node and npm, failed when {@code OUTPOST_NODE_TESTS=required}.
 */
class NpmPackageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SDK = Path.of("..", "browser-sdk");
    private static final Path SOURCES = SDK.resolve(Path.of("src", "main", "js"));
    private static final Duration NPM_DEADLINE = Duration.ofMinutes(3);

    @Test
    void theNpmPackTarballHoldsTheServedFilesAndSyncsFromAScratchApp() throws Exception {
        NodeJs.assumeAvailable();
        Path nodeModules = NodeSqliteTest.installBetterSqlite3();
        Path packed = emptied(Path.of("target", "npm-pack"));
        JsonNode pack = JSON.readTree(NodeJs.runOk(SDK, NPM_DEADLINE, Map.of(), "npm", "pack", "--json",
                "--pack-destination", packed.toAbsolutePath().toString()).stdout()).get(0);

        Set<String> inTarball = new TreeSet<>();
        pack.path("files").forEach(f -> inTarball.add(f.path("path").asText()));
        Set<String> expected = new TreeSet<>(List.of("package.json", "README.md"));
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(Files::isRegularFile)
                    .map(f -> "src/main/js/" + SOURCES.relativize(f).toString().replace('\\', '/'))
                    .forEach(expected::add);
        }
        assertThat(inTarball).as("the tarball: the files served at /sdk/, no others").isEqualTo(expected);
        assertThat(inTarball).contains("src/main/js/outpost-sync.js", "src/main/js/react.js",
                "src/main/js/storage/sqlite.js", "src/main/js/outpost-sync.d.ts");
        JsonNode manifest = JSON.readTree(SDK.resolve("package.json").toFile());
        assertThat(manifest.path("dependencies").isMissingNode()).as("no runtime dependency").isTrue();
        assertThat(manifest.path("peerDependencies").path("react").asText()).isEqualTo(">=18");
        Path tarball = packed.resolve(pack.path("filename").asText()).toAbsolutePath();

        Path app = emptied(Path.of("target", "npm-app"));
        Files.writeString(app.resolve("package.json"),
                "{\"name\": \"scratch-app\", \"private\": true, \"type\": \"module\"}\n");
        Files.copy(Path.of("src", "test", "node", "npm-app.mjs"), app.resolve("app.mjs"),
                StandardCopyOption.REPLACE_EXISTING);
        NodeJs.runOk(app, NPM_DEADLINE, Map.of(), "npm", "install", "--no-audit", "--no-fund", tarball.toString());
        assertThat(app.resolve(Path.of("node_modules", "outpost-sync", "src", "main", "js", "outpost-sync.js")))
                .hasSameTextualContentAs(SOURCES.resolve("outpost-sync.js"));

        OutpostServer server = OutpostServer.shared();
        String tenant = OutpostServer.anyTenant();
        NodeJs.Result run = NodeJs.runOk(app, Duration.ofMinutes(2), Map.of(
                "OUTPOST_BASE_URL", server.baseUrl(), "OUTPOST_TOKEN", server.token(tenant, "node-user"),
                "OUTPOST_NODE_MODULES", nodeModules.toString()), "node", "app.mjs");
        String line = run.stdout().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the app printed no result: " + run.tail()));
        JsonNode seen = JSON.readTree(line);
        assertThat(seen.path("name").asText()).isEqualTo("outpost-sync");
        assertThat(seen.path("types").asText()).isEqualTo("./src/main/js/outpost-sync.d.ts");
        assertThat(seen.path("react").asText()).endsWith("/node_modules/outpost-sync/src/main/js/react.js");
        assertThat(seen.path("storage").asText()).isEqualTo("sqlite");
        assertThat(seen.path("pushed").path("error").isNull()).as(line).isTrue();
        assertThat(seen.path("pushed").path("applied").asInt()).as(line).isEqualTo(1);
        assertThat(seen.path("pulled").path("error").isNull()).as(line).isTrue();
        assertThat(seen.path("seen").path("data").path("text").asText()).as(line).isEqualTo("written in Node");
        assertThat(seen.path("seen").path("version").asInt()).as(line).isEqualTo(1);
        assertThat(seen.path("tillStatus").asText()).as(line).isEqualTo("synced");
        assertThat(seen.path("devices").get(0).asText()).isNotEqualTo(seen.path("devices").get(1).asText());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.record(tenant, "notes", "n-1"))
                .hasValueSatisfying(r -> assertThat(r.path("data").path("text").asText())
                        .isEqualTo("written in Node")));
    }

    private static Path emptied(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (Stream<Path> all = Files.walk(directory)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) Files.delete(p);
            }
        }
        return Files.createDirectories(directory);
    }
}
