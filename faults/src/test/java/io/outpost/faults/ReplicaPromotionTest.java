package io.outpost.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.outpost.bench.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Database high availability: the real server jar on a PostgreSQL primary with a synchronous streaming replica
 * ({@link ReplicatedPostgres}), reached through a multi-host JDBC URL with {@code targetServerType=primary}. Devices
 * push while the primary's machine is lost (kill -9 of its whole process tree); the replica is promoted, as an
 * operator or a failover manager would; the server finds the new primary by itself. Then the whole record set is
 * checked: with synchronous replication nothing the server acknowledged may be missing from the new primary, nothing
 * may be there twice, and every device's pull must equal the store.
 *
 * <p>Needs no nginx, so it runs wherever the suite's other tests run ({@code ./mvnw verify}); {@code -Dfaults.full=true}
 * keeps the primary dead longer and the load heavier. Figures go to {@code faults/target/replica-promotion-report.md}
 * (and docs/reliability.md).
 */
class ReplicaPromotionTest {

    private static final String DATABASE = "outpost";

    @Test
    void promotingTheReplicaUnderLoadLosesNothingAcknowledged() throws Exception {
        boolean full = Boolean.getBoolean("faults.full");
        int devices = full ? 16 : 6;
        int opsPerPush = full ? 50 : 20;
        Duration load = Duration.ofSeconds(full ? 20 : 3);
        Duration primaryGone = Duration.ofSeconds(full ? 30 : 4);
        Path dir = Files.createTempDirectory("outpost-replica-");
        FaultReport report = new FaultReport();
        try (ReplicatedPostgres pg = ReplicatedPostgres.start(dir, DATABASE)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> pg.replicationState().equals("streaming/sync"));
            ServerProcess.Config config = new ServerProcess.Config(
                    Path.of(System.getProperty("java.home"), "bin", "java"), path("faults.serverJar"),
                    ServerProcess.jvmArgsFromDockerfile(path("faults.dockerfile")), List.of(), pg.jdbcUrl(DATABASE),
                    dir.resolve("node.log"), dir.resolve("node"), Map.of());
            try (ServerProcess server = ServerProcess.start(config)) {
                Fleet fleet = new Fleet(server, "replica-promotion", devices);
                Fleet.Run run = fleet.start(() -> server.uri("/api/v1/sync/push"), opsPerPush,
                        Duration.ofMillis(50));
                Thread.sleep(load.toMillis());
                assertThat(run.acknowledgedOps()).as("ops acknowledged before the primary was lost").isPositive();

                long lost = System.nanoTime();
                pg.crashPrimary();
                Thread.sleep(Math.min(2000, primaryGone.toMillis() / 2));
                HttpResponse<String> health = get(server.uri("/actuator/health"));
                Thread.sleep(primaryGone.toMillis() - Math.min(2000, primaryGone.toMillis() / 2));
                assertThat(pg.replicaInRecovery()).as("the replica is still a standby until promoted").isTrue();

                long promoted = System.nanoTime();
                pg.promoteReplica();
                double promotion = (System.nanoTime() - promoted) / 1e9;
                await().atMost(Duration.ofSeconds(30)).until(() -> run.acknowledgedSince(promoted));
                double recovered = run.firstSuccessAfter(promoted);
                Thread.sleep(load.toMillis());
                run.stop();

                assertThat(health.statusCode()).as("health while no primary exists").isEqualTo(503);
                assertThat(health.body()).contains("\"DOWN\"");
                assertThat(run.count(503)).as("pushes refused while no primary existed").isPositive();
                assertThat(run.count(Fleet.NO_ANSWER)).as("requests without an answer").isZero();
                double longest = run.longestAnswer(lost, promoted);
                assertThat(longest).as("the longest answer while no primary existed, in seconds").isLessThan(3.0);

                RecordSet.Verdict v = RecordSet.check(pg.pool(DATABASE), fleet, server::uri, Duration.ofSeconds(60));
                report.add("replica promoted", String.format(Locale.ROOT, "kill -9 of the primary PostgreSQL "
                        + "(synchronous replica) under load, the replica promoted %d s later", primaryGone.toSeconds()),
                        v, run, String.format(Locale.ROOT, "longest answer without a primary %.2f s; pg_promote() "
                        + "took %.2f s; the first push acknowledged %.2f s after it (the server found the new primary "
                        + "by itself)", longest, promotion, recovered));
                report.note(String.format(Locale.ROOT, "Server healthy %.1f s after its start; %d devices, pushes "
                        + "of %d ops; logs in %s", server.startSeconds(), devices, opsPerPush, dir));
                report.write(Path.of(System.getProperty("faults.reportDir", "target"),
                        "replica-promotion-report.md"), full ? "full" : "quick");
                assertThat(v.sound()).as("replica promoted: " + v).isTrue();
                assertThat(v.ops()).isPositive();
            }
        }
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        if (value == null) throw new IllegalStateException("-D" + property + " is not set (faults/pom.xml sets it)");
        return Path.of(value).toAbsolutePath().normalize();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
