package io.outpost.faults;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.outpost.bench.PushBenchmark;
import io.outpost.bench.ServerProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A PostgreSQL primary with one streaming replica, each its own process tree on loopback (zonky's binaries from Maven
 * Central, as the rest of the suite; Debian's {@code initdb} refuses to run as root, which CI is). The primary commits
 * synchronously to the replica ({@code synchronous_standby_names = 'replica'}, {@code synchronous_commit = on}), so a
 * commit the server was told about is on both before it is acknowledged; {@code fsync} is on for both.
 *
 * <p>The replica starts as a copy of the primary's data directory taken while the primary was cleanly stopped (zonky's
 * bundle has no {@code pg_basebackup}; a copy of a cleanly stopped cluster is an equally valid base backup), with
 * {@code standby.signal} and a {@code primary_conninfo}; from then on it streams the primary's WAL.
 * {@link #crashPrimary()} kills the primary's whole process tree (kill -9, as a lost machine), {@link #promoteReplica()}
 * makes the replica the new primary ({@code pg_promote()}), which is what an operator or a failover manager does.
 */
final class ReplicatedPostgres implements AutoCloseable {

    private final Path dir;
    private final int primaryPort;
    private final int replicaPort;
    private EmbeddedPostgres primary;
    private EmbeddedPostgres replica;
    private final List<HikariDataSource> pools = new ArrayList<>();

    private ReplicatedPostgres(Path dir, int primaryPort, int replicaPort) {
        this.dir = dir;
        this.primaryPort = primaryPort;
        this.replicaPort = replicaPort;
    }

    static ReplicatedPostgres start(Path dir, String database) throws IOException, SQLException {
        ReplicatedPostgres pg = new ReplicatedPostgres(dir, ServerProcess.freePort(), ServerProcess.freePort());
        try {
            Path primaryData = dir.resolve("primary");
            Path replicaData = dir.resolve("replica");
            Path log = dir.resolve("postgres.log");
            // initdb, then a clean stop: the copy below is then a consistent base backup
            builder(primaryData, pg.primaryPort, log).start().close();
            copyTree(primaryData, replicaData);
            pg.primary = builder(primaryData, pg.primaryPort, log)
                    .setServerConfig("synchronous_standby_names", "replica")
                    .setServerConfig("wal_keep_size", "256MB").start();
            pg.replica = builder(replicaData, pg.replicaPort, log).setDataDirectoryCustomizer(d -> {
                try {
                    Files.writeString(d.toPath().resolve("standby.signal"), "");
                    Files.writeString(d.toPath().resolve("postgresql.conf"), "\nprimary_conninfo = 'host=127.0.0.1 port="
                            + pg.primaryPort + " user=postgres application_name=replica'\n",
                            StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).start();
            try (Connection c = pg.primary.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                // a synchronous commit: returns only once the replica has it
                s.execute("CREATE DATABASE " + database);
            }
            return pg;
        } catch (IOException | SQLException | RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    private static EmbeddedPostgres.Builder builder(Path data, int port, Path log) {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("max_connections", "100").setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    // PostgreSQL refuses a data directory others may read
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
                } else if (!p.getFileName().toString().equals("postmaster.pid")) {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /** Both hosts, the primary first; the driver connects to whichever is the primary now. */
    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + ",127.0.0.1:" + replicaPort + "/" + database
                + "?targetServerType=primary&hostRecheckSeconds=1";
    }

    /** A pool on whichever host is the primary (the suite's own checks). */
    DataSource pool(String database) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbcUrl(database));
        c.setUsername("postgres");
        c.setPassword("postgres");
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(0);
        c.setPoolName("replicated-" + database);
        HikariDataSource ds = new HikariDataSource(c);
        synchronized (pools) {
            pools.add(ds);
        }
        return ds;
    }

    /** The replica's replication state as the primary sees it, e.g. {@code streaming/sync}; empty if not attached. */
    String replicationState() throws SQLException {
        try (Connection c = primary.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT state, sync_state FROM pg_stat_replication "
                     + "WHERE application_name = 'replica'")) {
            return rs.next() ? rs.getString(1) + "/" + rs.getString(2) : "";
        }
    }

    /** kill -9 of the primary's postmaster and every backend under it: a lost machine, no shutdown. */
    void crashPrimary() throws IOException, InterruptedException {
        long pid = Long.parseLong(Files.readAllLines(dir.resolve("primary").resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no primary"));
        List<ProcessHandle> tree = new ArrayList<>(postmaster.descendants().toList());
        tree.add(postmaster);
        for (ProcessHandle p : tree) p.destroyForcibly();
        for (ProcessHandle p : tree) p.onExit().join();
    }

    /** {@code pg_promote()} on the replica; returns once it accepts writes. */
    void promoteReplica() throws SQLException {
        try (Connection c = replica.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_promote(true, 30)")) {
            if (!rs.next() || !rs.getBoolean(1)) throw new IllegalStateException("the replica was not promoted");
        }
    }

    /** Whether the replica is still in recovery (a standby). */
    boolean replicaInRecovery() throws SQLException {
        try (Connection c = replica.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    Map<String, Integer> ports() {
        return Map.of("primary", primaryPort, "replica", replicaPort);
    }

    @Override
    public void close() {
        synchronized (pools) {
            for (HikariDataSource ds : pools) ds.close();
            pools.clear();
        }
        for (EmbeddedPostgres pg : new EmbeddedPostgres[] {replica, primary}) {
            if (pg == null) continue;
            try {
                pg.close(); // pg_ctl stop; a crashed primary's stop fails and is logged by zonky
            } catch (IOException e) {
                System.err.println("[faults] while stopping PostgreSQL: " + e);
            }
        }
        for (String data : new String[] {"primary", "replica"}) {
            PushBenchmark.deleteTree(dir.resolve(data)); // the log beside them stays
        }
    }
}
