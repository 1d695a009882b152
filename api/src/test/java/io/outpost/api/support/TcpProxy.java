package io.outpost.api.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback for fault tests, between the server and its database or between clients and the server:
 * {@link #pass()} forwards, {@link #refuse()} cuts every connection and closes new ones at once (a stopped peer),
 * {@link #blackhole()} keeps connections open but forwards nothing either way (a network that went silent),
 * {@link #dropAnswers()} forwards what the client sends but cuts the connection as soon as the other side answers
 * (the request arrives and is acted on, its answer is lost), {@link #delay} adds latency to every chunk forwarded.
 * Traffic stays on this machine; {@link #close()} ends every thread it started. The fault suite ({@code faults/})
 * uses it through this module's test-jar.
 */
public final class TcpProxy implements AutoCloseable {

    public enum Mode { PASS, REFUSE, BLACKHOLE, DROP_ANSWERS }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tcp-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMillis;
    private volatile boolean closed;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.target = new InetSocketAddress(targetHost, targetPort);
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections currently open through the proxy (both sides counted once each). */
    public int openSockets() {
        return open.size();
    }

    public void pass() {
        mode = Mode.PASS;
    }

    /** Cuts every connection (reset) and closes each new one as soon as it is accepted. */
    public void refuse() {
        mode = Mode.REFUSE;
        for (Socket s : open) reset(s);
    }

    /** Stops forwarding in both directions; connections stay open, new ones are accepted and hang. */
    public void blackhole() {
        mode = Mode.BLACKHOLE;
    }

    /** Requests still reach the target; each connection is cut (reset) when the target's first answer bytes come. */
    public void dropAnswers() {
        mode = Mode.DROP_ANSWERS;
    }

    /** Latency added before each chunk is forwarded; 0 for none. */
    public void delay(long millis) {
        delayMillis = millis;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                if (mode == Mode.REFUSE) {
                    reset(client);
                    continue;
                }
                open.add(client);
                threads.execute(() -> connect(client));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void connect(Socket client) {
        Socket server = new Socket();
        try {
            server.connect(target, 5_000);
            open.add(server);
            threads.execute(() -> pump(client, server, false));
            pump(server, client, true);
        } catch (IOException e) {
            reset(client);
            reset(server);
        }
    }

    /** Forwards {@code from} → {@code to}; {@code answers}: this is the target's direction, back to the client. */
    private void pump(Socket from, Socket to, boolean answers) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                while (mode == Mode.BLACKHOLE && !closed) Thread.sleep(20);
                if (mode == Mode.REFUSE || closed || (answers && mode == Mode.DROP_ANSWERS)) break;
                long delay = delayMillis;
                if (delay > 0) Thread.sleep(delay);
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the other side went away, or the proxy cut it
        } finally {
            reset(from);
            reset(to);
        }
    }

    private void reset(Socket s) {
        open.remove(s);
        try {
            s.setSoLinger(true, 0); // RST, as a dead peer's host answers
        } catch (SocketException ignored) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket s : open) reset(s);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
