package io.outpost.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.bench.BenchDevice;
import io.outpost.sdk.LocalRecord;
import io.outpost.sdk.SyncClient;
import io.outpost.sdk.SyncStatus;
import io.outpost.sdk.TokenProvider;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Java SDK clients, each with its own store and user, writing locally all the time (creates, and updates of their
 * own records) and syncing by themselves (after each write, and after a failure with their back-off) through a given base URI, while a fault
 * happens. Records every status the clients report, so a scenario can tell that they noticed the fault, and checks
 * afterwards that their queues drained and the server holds exactly what they wrote, each op applied once.
 */
final class SdkFleet implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final String tenant;
    private final List<SyncClient> clients = new ArrayList<>();
    private final List<Map<String, ObjectNode>> written = new ArrayList<>();
    private final Set<SyncStatus.State> states = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean writing;

    SdkFleet(FaultCluster cluster, String tenant, int size, URI base, Path stores) {
        this.tenant = tenant;
        for (int i = 0; i < size; i++) {
            String user = "sdk-user-" + i;
            SyncClient client = SyncClient.builder()
                    .baseUri(base)
                    .tokenProvider(TokenProvider.of(cluster.token(tenant, user)))
                    .storeDirectory(stores.resolve("device-" + i))
                    .collection(BenchDevice.COLLECTION)
                    .timeout(Duration.ofSeconds(2))
                    .backoff(Duration.ofMillis(200), Duration.ofSeconds(2))
                    .autoSync(true, Duration.ofSeconds(30))
                    .syncAfterWrite(Duration.ofMillis(100))
                    .liveUpdates(false)
                    .listener(status -> states.add(status.state()))
                    .build();
            clients.add(client);
            written.add(new ConcurrentHashMap<>());
        }
    }

    /** Every client writes every {@code every}: a create, and after each third write an update of an earlier record. */
    void startWriting(Duration every) {
        writing = true;
        for (int i = 0; i < clients.size(); i++) {
            SyncClient client = clients.get(i);
            Map<String, ObjectNode> mine = written.get(i);
            String prefix = client.deviceId() + "-";
            Thread t = new Thread(() -> {
                try {
                    for (int n = 1; writing; n++) {
                        String id = prefix + n;
                        ObjectNode data = JSON.createObjectNode().put("n", n).put("v", 0)
                                .put("note", "dispensed offline-first, entry " + n);
                        client.records(BenchDevice.COLLECTION).create(id, data);
                        mine.put(id, data);
                        if (n % 3 == 0) {
                            String earlier = prefix + (n / 3);
                            ObjectNode patch = JSON.createObjectNode().put("v", n);
                            client.records(BenchDevice.COLLECTION).update(earlier, patch);
                            mine.put(earlier, mine.get(earlier).deepCopy().put("v", n));
                        }
                        Thread.sleep(every.toMillis());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "sdk-writer-" + i);
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
    }

    void stopWriting() throws InterruptedException {
        writing = false;
        for (Thread t : writers) t.join(10_000);
        if (failure.get() != null) throw new AssertionError("a local write failed: " + failure.get(), failure.get());
    }

    /** Has any client reported one of these states since it started? */
    boolean reported(SyncStatus.State... any) {
        return states.stream().anyMatch(EnumSet.of(any[0], any)::contains);
    }

    /** States reported so far. */
    Set<SyncStatus.State> states() {
        return Set.copyOf(states);
    }

    long writes() {
        return written.stream().mapToLong(Map::size).sum();
    }

    /** Waits until every queue is empty, no op failed and no conflict is open. */
    void awaitDrained(Duration deadline) {
        await().atMost(deadline).pollInterval(Duration.ofMillis(200)).until(() -> clients.stream().allMatch(c ->
                c.pendingOps().isEmpty() && c.failedOps().isEmpty() && c.conflictedOps().isEmpty()));
    }

    /**
     * After {@link #awaitDrained}: the server's state (pulled as an observer of the tenant) holds every record each
     * client wrote with the data it last wrote, at the version the client holds; the clients' local views equal it;
     * and no op was applied twice. Returns the number of records checked.
     */
    long verify(DataSource db, FaultCluster cluster, Duration feedDeadline) throws Exception {
        BenchDevice observer = new BenchDevice(cluster, tenant, "sdk-observer", "sdk-observer");
        int expected = (int) writes();
        await().atMost(feedDeadline).pollInterval(Duration.ofMillis(250)).until(() ->
                RecordSet.pullRecords(observer, cluster::balancer).size() >= expected);
        // the last pushes' changes may still be on their way into the feed: wait for every version to match
        await().atMost(feedDeadline).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            Map<String, JsonNode> server = RecordSet.pullRecords(observer, cluster::balancer);
            assertThat(server).as("records on the server").hasSize(expected);
            for (int i = 0; i < clients.size(); i++) {
                SyncClient client = clients.get(i);
                for (Map.Entry<String, ObjectNode> w : written.get(i).entrySet()) {
                    JsonNode change = server.get(w.getKey());
                    assertThat(change).as("server record " + w.getKey()).isNotNull();
                    assertThat(change.path("data")).as("server data of " + w.getKey()).isEqualTo(w.getValue());
                    LocalRecord local = client.records(BenchDevice.COLLECTION).get(w.getKey()).orElseThrow();
                    assertThat(local.pending()).isFalse();
                    assertThat(local.version()).as("local version of " + w.getKey())
                            .isEqualTo(change.path("version").asLong());
                    assertThat((JsonNode) local.data()).isEqualTo(w.getValue());
                }
            }
        });
        assertThat(RecordSet.doubledOps(db, tenant)).as("ops applied twice").isZero();
        return expected;
    }

    @Override
    public void close() {
        writing = false;
        for (SyncClient c : clients) c.close();
    }
}
