package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the SDK's tests against the real server share: the one server of the test JVM ({@link TestServer#shared()},
 * on its own embedded PostgreSQL), a directory for the tests' stores, a tenant of the test's own, the clients it
 * opened (closed after each test), and a sync that must succeed.
 */
abstract class EndToEndTest {

    static TestServer server;

    @TempDir
    Path dir;

    final String tenant = TestServer.anyTenant();
    final List<SyncClient> open = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServer() {
        server = TestServer.shared();
    }

    @AfterEach
    void closeClients() {
        open.forEach(SyncClient::close);
    }

    /** A sync that must succeed: its result, after asserting it carries no error. */
    static SyncResult syncOk(SyncClient client) {
        SyncResult result = client.syncNow();
        assertThat(result.error()).as("sync error").isEmpty();
        return result;
    }
}
