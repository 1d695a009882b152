package io.outpost.faults;

import io.outpost.api.support.TcpProxy;
import io.outpost.bench.BenchPostgres;
import io.outpost.bench.ServerProcess;
import io.outpost.bench.TokenSource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.sql.DataSource;

/**
 * What the fault suite runs against: a PostgreSQL process of its own; two server nodes, each the real server jar
 * started as the Dockerfile starts it ({@link ServerProcess}), each reaching the database through a TCP proxy of its
 * own (so the suite can stop, slow or silence the database); Debian's nginx in front of both with the repository's
 * cluster configuration; and a TCP proxy in front of nginx (so the suite can drop answers on their way to devices).
 * Everything listens on loopback; {@link #close()} stops it all.
 */
final class FaultCluster implements TokenSource, AutoCloseable {

    static final String DATABASE = "outpost";

    private final Path dir;
    private final BenchPostgres pg;
    private final List<TcpProxy> dbProxies = new ArrayList<>();
    private final List<ServerProcess.Config> configs = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final ServerProcess[] nodes = new ServerProcess[2];
    private final List<Double> startSeconds = new ArrayList<>();
    private Nginx nginx;
    private TcpProxy front;

    private FaultCluster(Path dir, BenchPostgres pg) {
        this.dir = dir;
        this.pg = pg;
    }

    /**
     * Starts the database, then both nodes at once, then nginx. {@code synchronous_commit} and {@code fsync} are
     * PostgreSQL's defaults (on), as in a deployment.
     */
    static FaultCluster start(Path dir, Path nginxBinary, Path nginxTemplate, Path serverJar, Path dockerfile)
            throws Exception {
        FaultCluster cluster = new FaultCluster(dir,
                BenchPostgres.start("fsync=on,synchronous_commit=on", dir.resolve("postgres.log")));
        try {
            cluster.pg.createDatabase(DATABASE);
            List<String> jvmArgs = ServerProcess.jvmArgsFromDockerfile(dockerfile);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<CompletableFuture<ServerProcess>> starting = new ArrayList<>();
            for (int i = 0; i < cluster.nodes.length; i++) {
                TcpProxy proxy = new TcpProxy("127.0.0.1", cluster.pg.port());
                cluster.dbProxies.add(proxy);
                ServerProcess.Config config = new ServerProcess.Config(java, serverJar.toAbsolutePath(), jvmArgs,
                        List.of("--server.forward-headers-strategy=native"),
                        "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + DATABASE,
                        dir.resolve("node-" + (i + 1) + ".log"), dir.resolve("node-" + (i + 1)), Map.of());
                cluster.configs.add(config);
                int port = ServerProcess.freePort();
                cluster.ports.add(port);
                starting.add(CompletableFuture.supplyAsync(() -> startNode(config, port)));
            }
            for (int i = 0; i < cluster.nodes.length; i++) {
                cluster.nodes[i] = join(starting.get(i));
                cluster.startSeconds.add(cluster.nodes[i].startSeconds());
            }
            cluster.nginx = Nginx.start(nginxBinary, nginxTemplate, cluster.ports, dir.resolve("nginx"));
            cluster.front = new TcpProxy("127.0.0.1", cluster.nginx.port());
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static ServerProcess startNode(ServerProcess.Config config, int port) {
        try {
            return ServerProcess.start(config, port);
        } catch (IOException e) {
            throw new CompletionException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
    }

    private static ServerProcess join(CompletableFuture<ServerProcess> f) throws Exception {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }

    /** Through nginx: what a device of a deployment talks to. */
    URI balancer(String path) {
        return URI.create("http://127.0.0.1:" + nginx.port() + path);
    }

    /** Through the proxy in front of nginx ({@link #front()}), which can drop answers. */
    URI viaFront(String path) {
        return URI.create("http://127.0.0.1:" + front.port() + path);
    }

    /** Straight to node {@code i} (0 or 1). */
    URI node(int i, String path) {
        return URI.create("http://127.0.0.1:" + ports.get(i) + path);
    }

    ServerProcess process(int i) {
        return nodes[i];
    }

    TcpProxy front() {
        return front;
    }

    /** Every node's proxy to the database. */
    List<TcpProxy> databaseLinks() {
        return dbProxies;
    }

    /** The suite's own connections to the database (not through the proxies). */
    DataSource database() {
        return pg.pool(DATABASE, 4);
    }

    /** kill -9 of node {@code i}. */
    void kill(int i) throws InterruptedException {
        nodes[i].kill();
    }

    /** Starts node {@code i} again on its port (after {@link #kill}); returns its seconds to healthy. */
    double restart(int i) throws IOException, InterruptedException {
        if (nodes[i].alive()) throw new IllegalStateException("node " + (i + 1) + " is running");
        ServerProcess.Config was = configs.get(i);
        Path log = dir.resolve("node-" + (i + 1) + "-restart-" + startSeconds.size() + ".log");
        ServerProcess.Config config = new ServerProcess.Config(was.java(), was.jar(), was.jvmArgs(),
                was.springArgs(), was.jdbcUrl(), log, was.dataDir(), was.env());
        nodes[i] = ServerProcess.start(config, ports.get(i));
        startSeconds.add(nodes[i].startSeconds());
        return nodes[i].startSeconds();
    }

    /** Seconds from start to healthy of every node start so far. */
    List<Double> startSeconds() {
        return List.copyOf(startSeconds);
    }

    Path dir() {
        return dir;
    }

    @Override
    public String token(String tenant, String userId) {
        return ServerProcess.token(tenant, userId, "user");
    }

    String adminToken(String tenant) {
        return ServerProcess.token(tenant, "fault-admin", "admin");
    }

    @Override
    public void close() {
        if (front != null) quietly(front::close);
        if (nginx != null) nginx.close();
        for (ServerProcess node : nodes) if (node != null) node.close();
        for (TcpProxy proxy : dbProxies) quietly(proxy::close);
        quietly(pg::close);
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            System.err.println("[faults] while stopping: " + e);
        }
    }
}
