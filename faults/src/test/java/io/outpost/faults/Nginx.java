package io.outpost.faults;

import io.outpost.bench.ServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a child process, running the repository's cluster configuration
 * ({@code deploy/cluster/nginx.conf.template}, the file {@code docker-compose.cluster.yml} mounts) with the nodes and
 * the port filled in, inside a minimal main configuration whose paths all lie in a directory of the test's own.
 */
final class Nginx implements AutoCloseable {

    static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx"));

    private final Process process;
    private final Path dir;
    private final int port;

    private Nginx(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** The nginx executable, if Debian's package is installed. */
    static Optional<Path> binary() {
        return CANDIDATES.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts nginx in the foreground with {@code template}'s {@code ${OUTPOST_NODE_1}}, {@code ${OUTPOST_NODE_2}}
     * and {@code ${OUTPOST_LISTEN}} replaced, and waits until it accepts connections.
     */
    static Nginx start(Path binary, Path template, List<Integer> nodePorts, Path dir) throws IOException,
            InterruptedException {
        if (nodePorts.size() != 2) throw new IllegalArgumentException("the template names two nodes");
        int port = ServerProcess.freePort();
        Files.createDirectories(dir.resolve("temp"));
        String site = Files.readString(template, StandardCharsets.UTF_8);
        for (Map.Entry<String, String> v : Map.of("${OUTPOST_NODE_1}", "127.0.0.1:" + nodePorts.get(0),
                "${OUTPOST_NODE_2}", "127.0.0.1:" + nodePorts.get(1),
                "${OUTPOST_LISTEN}", "127.0.0.1:" + port).entrySet()) {
            site = site.replace(v.getKey(), v.getValue());
        }
        if (site.contains("${OUTPOST_")) throw new IllegalStateException(template + " names a variable not filled in");
        Files.writeString(dir.resolve("outpost.conf"), site, StandardCharsets.UTF_8);
        boolean root = "root".equals(System.getProperty("user.name"));
        Path temp = dir.resolve("temp");
        String main = (root ? "user root root;\n" : "")
                + "worker_processes 1;\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " warn;\n"
                + "events { worker_connections 4096; }\n"
                + "http {\n"
                + "  access_log " + dir.resolve("access.log") + ";\n"
                + "  client_body_temp_path " + temp.resolve("body") + ";\n"
                + "  proxy_temp_path " + temp.resolve("proxy") + ";\n"
                + "  fastcgi_temp_path " + temp.resolve("fastcgi") + ";\n"
                + "  uwsgi_temp_path " + temp.resolve("uwsgi") + ";\n"
                + "  scgi_temp_path " + temp.resolve("scgi") + ";\n"
                + "  include " + dir.resolve("outpost.conf") + ";\n"
                + "}\n";
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, main, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(binary.toString(), "-e", dir.resolve("error.log").toString(), "-p",
                dir.toString(), "-c", conf.toString(), "-g", "daemon off;")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nginx.out").toFile())
                .start();
        Nginx nginx = new Nginx(process, dir, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ":\n"
                        + ServerProcess.tail(dir.resolve("nginx.out"), 20) + "\n"
                        + ServerProcess.tail(dir.resolve("error.log"), 20));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return nginx;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    nginx.close();
                    throw new IllegalStateException("nginx did not listen on " + port + " within 10 s");
                }
                Thread.sleep(50);
            }
        }
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    /** SIGTERM (nginx's fast shutdown), then SIGKILL after 5 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
