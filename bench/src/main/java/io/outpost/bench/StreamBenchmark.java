package io.outpost.bench;

import static io.outpost.bench.PushBenchmark.fmt;
import static io.outpost.bench.PushBenchmark.log;
import static io.outpost.bench.PushBenchmark.mib;

import io.outpost.bench.PushBenchmark.BenchFailure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many live {@code /sync/stream} connections on one node (issue 17, target 3): the server is its own process started
 * as the Dockerfile starts it, on a PostgreSQL outside it; this JVM opens C Server-Sent-Events connections (devices
 * of T tenants, each its own user and device) with plain non-blocking sockets on one selector thread, holds them for
 * H seconds (heartbeats arrive meanwhile), then pushes one change into each tenant in turn, P times, and measures when
 * every connection of that tenant has its {@code poke}: from the push's answer (the change committed) to each
 * connection's poke. It reports the connections held, the server's resident memory and thread count idle, with all
 * connections open and after the pokes, and the poke latency percentiles. The file-descriptor limit is this
 * machine's ({@code ulimit -n}); the benchmark says so when it is too low instead of raising it in the server.
 *
 * <p>Parameters ({@code -D}): {@code bench.streams} (10,000), {@code bench.streamTenants} (10), {@code
 * bench.streamPokes} (30), {@code bench.streamHold} seconds (35), and the server's {@code bench.serverJar},
 * {@code bench.serverJvmArgs}, {@code bench.serverArgs}, {@code bench.pgConfig} as for the push benchmark.
 */
public final class StreamBenchmark {

    static final long RSS_TARGET_BYTES = 1024L * 1024 * 1024;
    static final double POKE_TARGET_MS = 1000;
    static final long POKE_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final byte[] POKE = "event:poke".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEARTBEAT = ":heartbeat".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTED = ":connected".getBytes(StandardCharsets.US_ASCII);

    private StreamBenchmark() {
    }

    record Params(int streams, int tenants, int pokes, int holdSeconds, PushBenchmark.Params server) {
        static Params fromSystemProperties() {
            return new Params(Integer.getInteger("bench.streams", 10_000), Integer.getInteger("bench.streamTenants", 10),
                    Integer.getInteger("bench.streamPokes", 30), Integer.getInteger("bench.streamHold", 35),
                    PushBenchmark.Params.fromSystemProperties());
        }
    }

    public static void main(String[] args) {
        BenchSelection.runAndExit("stream", () -> run(Params.fromSystemProperties()));
    }

    /** One SSE connection: its tenant, what it has read, and what it has seen. */
    static final class Conn {
        final int tenant;
        final SocketChannel channel;
        final ByteBuffer request;
        /** The last bytes read, to find a marker split across reads. */
        final byte[] tail = new byte[16];
        int tailLength;
        boolean headersOk;
        boolean connected;
        volatile boolean closed;
        int heartbeats;
        int pokes;

        Conn(int tenant, SocketChannel channel, ByteBuffer request) {
            this.tenant = tenant;
            this.channel = channel;
            this.request = request;
        }
    }

    /** The connections of this JVM, read on one selector thread. */
    static final class Fleet implements AutoCloseable {
        final Selector selector = Selector.open();
        final List<Conn> all = new ArrayList<>();
        final ConcurrentLinkedQueue<Conn> toRegister = new ConcurrentLinkedQueue<>();
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicLong heartbeats = new AtomicLong();
        /** Per tenant: when its current poke's push was answered (0: none expected), and the arrivals. */
        final long[] pokeSentAt;
        final int[] waiting;
        final List<List<Long>> latencies = new ArrayList<>();
        final Thread reader;
        volatile boolean running = true;
        volatile String firstError;

        Fleet(int tenants) throws IOException {
            pokeSentAt = new long[tenants];
            waiting = new int[tenants];
            for (int i = 0; i < tenants; i++) latencies.add(new ArrayList<>());
            reader = new Thread(this::loop, "stream-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void connect(InetSocketAddress server, int tenant, String request) throws IOException {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.connect(server);
            Conn c = new Conn(tenant, ch, ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            synchronized (all) {
                all.add(c);
            }
            toRegister.add(c);
            selector.wakeup();
        }

        private void loop() {
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            byte[] bytes = new byte[64 * 1024];
            while (running) {
                try {
                    selector.select(200);
                    for (Conn c; (c = toRegister.poll()) != null; ) {
                        c.channel.register(selector, SelectionKey.OP_CONNECT, c);
                    }
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey key = it.next();
                        it.remove();
                        Conn c = (Conn) key.attachment();
                        try {
                            if (key.isConnectable()) {
                                c.channel.finishConnect();
                                key.interestOps(SelectionKey.OP_WRITE);
                            } else if (key.isWritable()) {
                                c.channel.write(c.request);
                                if (!c.request.hasRemaining()) key.interestOps(SelectionKey.OP_READ);
                            } else if (key.isReadable()) {
                                buf.clear();
                                int n = c.channel.read(buf);
                                if (n < 0) {
                                    close(c, key, "closed by the server");
                                    continue;
                                }
                                buf.flip();
                                buf.get(bytes, 0, n);
                                received(c, bytes, n, System.nanoTime());
                            }
                        } catch (IOException e) {
                            close(c, key, e.toString());
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    if (firstError == null) firstError = e.toString();
                }
            }
        }

        private void close(Conn c, SelectionKey key, String why) {
            if (c.closed) return;
            c.closed = true;
            key.cancel();
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // closing
            }
            if (firstError == null) firstError = "a stream of tenant " + c.tenant + ": " + why;
            if (c.connected) open.decrementAndGet();
            failed.incrementAndGet();
        }

        private void received(Conn c, byte[] bytes, int n, long now) {
            // search tail + bytes for the markers
            byte[] window = new byte[c.tailLength + n];
            System.arraycopy(c.tail, 0, window, 0, c.tailLength);
            System.arraycopy(bytes, 0, window, c.tailLength, n);
            if (!c.headersOk) {
                String head = new String(window, 0, Math.min(window.length, 16), StandardCharsets.US_ASCII);
                if (head.startsWith("HTTP/1.1 ")) {
                    if (!head.startsWith("HTTP/1.1 200")) {
                        if (firstError == null) {
                            firstError = "stream answered " + new String(window, 0, Math.min(window.length, 600),
                                    StandardCharsets.US_ASCII);
                        }
                        c.closed = true;
                        failed.incrementAndGet();
                        return;
                    }
                    c.headersOk = true;
                }
            }
            int from = Math.max(0, c.tailLength - (POKE.length - 1));
            if (!c.connected && indexOf(window, CONNECTED, 0) >= 0) {
                c.connected = true;
                open.incrementAndGet();
            }
            for (int i = indexOf(window, HEARTBEAT, from); i >= 0; i = indexOf(window, HEARTBEAT, i + 1)) {
                c.heartbeats++;
                heartbeats.incrementAndGet();
            }
            for (int i = indexOf(window, POKE, from); i >= 0; i = indexOf(window, POKE, i + 1)) {
                c.pokes++;
                synchronized (this) {
                    long sent = pokeSentAt[c.tenant];
                    if (sent != 0 && waiting[c.tenant] > 0) {
                        latencies.get(c.tenant).add(now - sent);
                        waiting[c.tenant]--;
                        if (waiting[c.tenant] == 0) notifyAll();
                    }
                }
            }
            int keep = Math.min(c.tail.length, window.length);
            System.arraycopy(window, window.length - keep, c.tail, 0, keep);
            c.tailLength = keep;
        }

        static int indexOf(byte[] hay, byte[] needle, int from) {
            outer:
            for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) continue outer;
                }
                return i;
            }
            return -1;
        }

        int openIn(int tenant) {
            int n = 0;
            synchronized (all) {
                for (Conn c : all) if (c.tenant == tenant && c.connected && !c.closed) n++;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            running = false;
            synchronized (all) {
                for (Conn c : all) c.channel.close();
            }
            selector.close();
        }
    }

    static int run(Params p) throws Exception {
        Path serverLog = p.server().beside("-server.log");
        Path pgLog = p.server().beside("-postgres.log");
        Files.deleteIfExists(serverLog);
        Files.deleteIfExists(p.server().report());
        log("Parameters: " + p);
        long fdLimit = fdLimit();
        if (fdLimit > 0 && fdLimit < p.streams + 200L) {
            throw new BenchFailure("this JVM may open " + fdLimit + " files, too few for " + p.streams
                    + " connections: raise the limit (ulimit -n) or lower -Dbench.streams");
        }
        Path dataDir = Files.createTempDirectory("outpost-stream-bench");
        try (BenchPostgres pg = BenchPostgres.start(p.server().pgConfig(), pgLog)) {
            ServerProcess.Config config = new ServerProcess.Config(p.server().java(), p.server().serverJar(),
                    p.server().serverJvmArgs(), p.server().serverArgs(), pg.jdbcUrl("postgres"), serverLog,
                    dataDir.resolve("server"), PushBenchmark.SERVER_ENV);
            try (ServerProcess server = ServerProcess.start(config); Fleet fleet = new Fleet(p.tenants)) {
                StringBuilder md = new StringBuilder();
                long rssIdle = server.rssBytes();
                long threadsIdle = Proc.statusBytes(server.pid(), "Threads") / 1024;
                InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
                long openStart = System.nanoTime();
                for (int i = 0; i < p.streams; i++) {
                    int tenant = i % p.tenants;
                    String token = server.token("streams-" + tenant, "user-" + i);
                    fleet.connect(address, tenant, "GET /api/v1/sync/stream?deviceId=dev-" + i + " HTTP/1.1\r\n"
                            + "Host: 127.0.0.1:" + server.port() + "\r\nAccept: text/event-stream\r\n"
                            + "Authorization: Bearer " + token + "\r\n\r\n");
                    // at most 50 connections waiting for their answer, so the server's accept queue never overflows
                    while (i + 1 - fleet.open.get() - fleet.failed.get() > 50) {
                        if (fleet.failed.get() > 0) {
                            throw new BenchFailure("a stream failed with " + fleet.open.get() + " open, " + (i + 1)
                                    + " started: " + fleet.firstError);
                        }
                        Thread.sleep(1);
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (fleet.open.get() < p.streams && System.nanoTime() < deadline && fleet.failed.get() == 0) {
                    Thread.sleep(10);
                }
                double openSeconds = (System.nanoTime() - openStart) / 1e9;
                if (fleet.open.get() < p.streams) {
                    throw new BenchFailure(fleet.open.get() + " of " + p.streams + " streams open after "
                            + fmt("%.0f s", openSeconds) + "; first error: " + fleet.firstError);
                }
                log(fmt("%.1f s to open the streams", openSeconds));
                Thread.sleep(2000);
                long rssOpen = server.rssBytes();
                Path histogram = p.server().beside("-heap-histogram.txt");
                String classes = server.jcmd("GC.class_histogram");
                if (classes != null) {
                    // the live objects with every stream open: what a connection costs, by class
                    Files.writeString(histogram, classes.lines().limit(60).collect(java.util.stream.Collectors
                            .joining("\n")), StandardCharsets.UTF_8);
                    log("Heap histogram with every stream open: " + histogram);
                }
                long threadsOpen = Proc.statusBytes(server.pid(), "Threads") / 1024;
                double serverOpen = server.metric("outpost.streams.open", "VALUE");
                log("Holding " + p.streams + " streams for " + p.holdSeconds + " s");
                long cpuBefore = server.cpuNanos();
                long holdStart = System.nanoTime();
                Thread.sleep(p.holdSeconds * 1000L);
                double holdCores = (server.cpuNanos() - cpuBefore) / (double) (System.nanoTime() - holdStart);
                long rssHeld = server.rssBytes();
                long heartbeats = fleet.heartbeats.get();

                // pokes: one push into each tenant in turn
                URI push = server.uri("/api/v1/sync/push");
                List<BenchDevice> pushers = new ArrayList<>();
                for (int t = 0; t < p.tenants; t++) pushers.add(new BenchDevice(server, "streams-" + t, "pusher-" + t,
                        "pusher-" + t));
                long[] all = new long[0];
                long pokeCpu = server.cpuNanos();
                long pokeStart = System.nanoTime();
                for (int k = 0; k < p.pokes; k++) {
                    int t = k % p.tenants;
                    BenchDevice d = pushers.get(t);
                    int expected = fleet.openIn(t);
                    BenchDevice.Push one = d.push(1, 0);
                    HttpResponse<String> answer = d.http.send(d.pushRequest(push, one),
                            HttpResponse.BodyHandlers.ofString());
                    long answered = System.nanoTime();
                    PushBenchmark.check(d, one, answer);
                    synchronized (fleet) {
                        fleet.latencies.get(t).clear();
                        fleet.waiting[t] = expected;
                        fleet.pokeSentAt[t] = answered;
                        long until = answered + POKE_DEADLINE_NANOS;
                        while (fleet.waiting[t] > 0 && System.nanoTime() < until) {
                            fleet.wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                        }
                        if (fleet.waiting[t] > 0) {
                            throw new BenchFailure("poke " + k + ": " + fleet.waiting[t] + " of " + expected
                                    + " streams of tenant " + t + " got no poke within 15 s of the push's answer");
                        }
                        fleet.pokeSentAt[t] = 0;
                        long[] got = fleet.latencies.get(t).stream().mapToLong(Long::longValue).toArray();
                        int at = all.length;
                        all = Arrays.copyOf(all, at + got.length);
                        System.arraycopy(got, 0, all, at, got.length);
                    }
                    Thread.sleep(500);
                }
                double pokeCores = (server.cpuNanos() - pokeCpu) / (double) (System.nanoTime() - pokeStart);
                Arrays.sort(all);
                long rssEnd = server.rssBytes();
                long threadsEnd = Proc.statusBytes(server.pid(), "Threads") / 1024;
                long peak = server.peakRssBytes();
                PushBenchmark.ServerLog logLines = PushBenchmark.ServerLog.read(serverLog);
                boolean met = fleet.open.get() >= 10_000 && peak <= RSS_TARGET_BYTES
                        && FleetBenchmark.percentile(all, 99) <= POKE_TARGET_MS;

                md.append("# Stream benchmark: ").append(p.streams).append(" open /sync/stream connections\n\n");
                md.append("Command: `./mvnw -q -Pbench -pl bench -am verify -DskipTests -Dbench.which=stream`\n\n");
                md.append("Server: `").append(String.join(" ", server.command())).append("`\n\n");
                md.append(String.format(Locale.ROOT, "%d connections (one device and user each) in %d tenants, opened "
                        + "from this JVM on one selector thread; held %d s; then %d pushes of one op, one tenant after "
                        + "another; a poke's latency runs from the push's answer to its arrival on each connection of "
                        + "the tenant.%n%n", p.streams, p.tenants, p.holdSeconds, p.pokes));
                md.append("| figure | value |\n|---|---:|\n");
                md.append("| streams open (the server's `outpost.streams.open`) | **").append(fleet.open.get())
                        .append("** (").append(fmt("%.0f", serverOpen)).append(") |\n");
                md.append("| time to open them | ").append(fmt("%.1f s", openSeconds)).append(" |\n");
                md.append("| server RSS idle → all open → after the hold → after the pokes | ").append(mib(rssIdle))
                        .append(" → ").append(mib(rssOpen)).append(" → ").append(mib(rssHeld)).append(" → ")
                        .append(mib(rssEnd)).append(" |\n");
                md.append("| server RSS peak (VmHWM; target ≤ 1 GiB) | **").append(mib(peak)).append("** |\n");
                md.append("| server threads idle → all open → end | ").append(threadsIdle).append(" → ")
                        .append(threadsOpen).append(" → ").append(threadsEnd).append(" |\n");
                md.append("| server CPU while holding them (heartbeats every 15 s) | ")
                        .append(fmt("%.3f cores", holdCores)).append(" |\n");
                md.append("| heartbeats received during the hold | ").append(heartbeats).append(" |\n");
                md.append("| pokes delivered | ").append(all.length).append(" |\n");
                md.append(String.format(Locale.ROOT, "| poke latency p50 / p99 / max (target p99 ≤ 1 s) | %.0f / "
                                + "**%.0f** / %.0f ms |%n", FleetBenchmark.percentile(all, 50),
                        FleetBenchmark.percentile(all, 99), FleetBenchmark.percentile(all, 100)));
                md.append("| server CPU during the pokes | ").append(fmt("%.2f cores", pokeCores)).append(" |\n");
                md.append("| streams closed or failed | ").append(fleet.failed.get()).append(" |\n");
                md.append("| server log WARN / ERROR lines | ").append(logLines.warnings()).append(" / ")
                        .append(logLines.errors()).append(" |\n");
                md.append("| issue 17 target 3 (≥ 10,000 streams, RSS ≤ 1 GiB, poke p99 ≤ 1 s) | ")
                        .append(met ? "**met**" : "not met").append(" |\n");
                String report = md.toString();
                System.out.println();
                System.out.println(report);
                Files.writeString(p.server().report(), report, StandardCharsets.UTF_8);
                log("Report written to " + p.server().report());
                if (fleet.failed.get() > 0) throw new BenchFailure("streams failed: " + fleet.firstError);
                return logLines.errors() > 0 ? 1 : 0;
            }
        } finally {
            PushBenchmark.deleteTree(dataDir);
        }
    }

    /** The soft limit of open files of this JVM ({@code /proc/self/limits}); -1 if unknown. */
    static long fdLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[3]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
