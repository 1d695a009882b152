package io.outpost.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

/**
 * The browser SDK's store and engine tests (the JS test folder's {@code STORE_MODULES}, which {@link SdkUnitTest}
 * runs in Chromium on IndexedDB, and {@code encryption.test.js}) on Node.js with the SQLite storage adapter over
 * better-sqlite3, plain, encrypted with an app key, and through the op-sqlite and expo-sqlite drivers over an
 * asynchronous imitation of those libraries' APIs: {@code src/test/node/sqlite.test.mjs} under {@code node --test},
 * each result a test here. The
 * version of better-sqlite3 ({@code src/test/node/package.json}) is installed into {@code target/node-modules} with
 * npm. Skipped without node and npm (install hint), failed when {@code OUTPOST_NODE_TESTS=required}.
 */
class NodeSqliteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path NODE_TESTS = Path.of("src", "test", "node");
    private static final Path NODE_MODULES = Path.of("target", "node-modules");
    /** The four suites (better-sqlite3 plain and with an app key, op-sqlite's and expo-sqlite's async API). */
    private static final int AT_LEAST = 300;

    @TestFactory
    List<DynamicTest> engineTestsOnSqlite() throws Exception {
        NodeJs.assumeAvailable();
        installBetterSqlite3();
        NodeJs.Result run = NodeJs.run(NODE_TESTS, Duration.ofMinutes(5), Map.of(), "node", "--import",
                "./register.mjs", "--test", "--test-reporter=./json-reporter.mjs", "sqlite.test.mjs");
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : run.stdout().split("\n")) {
            if (!line.startsWith("{")) continue;
            JsonNode result = JSON.readTree(line);
            String name = result.path("name").asText();
            boolean ok = result.path("ok").asBoolean();
            String skip = result.path("skip").isNull() ? null : result.path("skip").asText();
            String error = result.path("error").asText("");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (skip != null) throw new TestAbortedException(skip);
                if (!ok) throw new AssertionError(name + ": " + error);
            }));
        }
        if (tests.size() < AT_LEAST) {
            throw new AssertionError("node --test reported " + tests.size() + " tests (at least " + AT_LEAST
                    + " expected; exit code " + run.exitCode() + "): " + run.tail());
        }
        return tests;
    }

    /** npm install of src/test/node/package.json in target/node-modules (quick once it is there). */
    static Path installBetterSqlite3() throws Exception {
        Files.createDirectories(NODE_MODULES);
        Files.copy(NODE_TESTS.resolve("package.json"), NODE_MODULES.resolve("package.json"),
                StandardCopyOption.REPLACE_EXISTING);
        // better-sqlite3 builds its native module when no prebuilt one fits: minutes on a busy machine
        NodeJs.runOk(NODE_MODULES, Duration.ofMinutes(10), Map.of(), "npm", "install", "--no-audit", "--no-fund",
                "--no-package-lock");
        return NODE_MODULES.toAbsolutePath();
    }
}
