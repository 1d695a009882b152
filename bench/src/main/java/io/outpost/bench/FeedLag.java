package io.outpost.bench;

import static io.outpost.bench.PushBenchmark.excerpt;
import static io.outpost.bench.PushBenchmark.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.bench.PushBenchmark.BenchFailure;
import io.outpost.bench.PushBenchmark.Phase;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Change-feed lag, as the pull and push benchmarks measure it: a probe device of its own tenant pushes one create
 * every {@code intervalMs} and pulls with its own cursor every 5 ms until the record shows; the lag is from the
 * push's 200 to the response of the pull that shows it (so it includes up to one poll interval and one pull). First
 * {@value #IDLE_SAMPLES} samples with no load (the idle lag; they also warm up the probe's path), then samples while
 * a load runs; only samples whose push was sent while the load ran count. The probe's tenant is a different one so
 * that its pulls carry only its own records; the projection is one processor for all tenants, so it still waits
 * behind the load's events. Also here: the pulling device ({@link Puller}) and a checked push ({@link #send}).
 */
final class FeedLag {

    /** Probe samples taken before the load starts. */
    static final int IDLE_SAMPLES = 10;
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    static final Duration LAG_DEADLINE = Duration.ofSeconds(30);
    /** The server's largest page. */
    static final int MAX_LIMIT = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private FeedLag() {
    }

    /**
     * The load during the measured samples, on the caller's threads; it should stop early (with a failure) when
     * {@code probeFailed} turns true.
     */
    @FunctionalInterface
    interface Load {
        Phase run(BooleanSupplier probeFailed) throws Exception;
    }

    /** Returns once the projection has caught up with everything the load pushed (or fails). */
    @FunctionalInterface
    interface CatchUp {
        void await() throws Exception;
    }

    /**
     * @param idle          the samples before the load
     * @param loaded        the samples during the load
     * @param load          the load's own requests
     * @param catchUpMillis from the load's end to {@link CatchUp#await()} returning
     * @param loadStart     nanoTime the load started
     * @param loadEnd       nanoTime the load ended
     */
    record Result(Phase idle, Phase loaded, Phase load, double catchUpMillis, long loadStart, long loadEnd) {
        long probes() {
            return idle.count() + loaded.count();
        }
    }

    /**
     * Idle samples, then samples while {@code load} runs, then waits for {@code caughtUp}.
     *
     * @param base       {@code http://host:port/api/v1/sync/}
     * @param probeTenant a tenant nothing else writes to
     * @param label      prefix of the progress lines, e.g. "(b)"
     */
    static Result measure(TokenSource tokens, String base, String probeTenant, int intervalMs, String label,
                          Load load, CatchUp caughtUp) throws Exception {
        URI push = URI.create(base + "push");
        BenchDevice probe = new BenchDevice(tokens, probeTenant, "probe", "nurse-probe");
        Puller probeReader = new Puller(tokens, base, probeTenant, probe.deviceId, probe.userId);
        Probe prober = new Probe(probe, probeReader, push);
        prober.cursor = probeReader.pull(null, MAX_LIMIT).cursor(); // an empty tenant: a cursor at its head
        log(label + " " + IDLE_SAMPLES + " idle probe samples...");
        PushBenchmark.Recorder idleRec = new PushBenchmark.Recorder(new AtomicReference<>());
        for (int i = 0; i < IDLE_SAMPLES; i++) {
            long at = System.nanoTime();
            prober.sample(idleRec);
            LockSupport.parkNanos(at + TimeUnit.MILLISECONDS.toNanos(intervalMs) - System.nanoTime());
        }
        Phase idle = new Phase(0, idleRec.sorted());

        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicReference<Throwable> probeFailure = new AtomicReference<>();
        PushBenchmark.Recorder lagRec = new PushBenchmark.Recorder(new AtomicReference<>());
        Thread probeThread = new Thread(() -> {
            long interval = TimeUnit.MILLISECONDS.toNanos(intervalMs);
            long next = System.nanoTime();
            try {
                while (loading.get()) {
                    LockSupport.parkNanos(next - System.nanoTime());
                    if (!loading.get()) break;
                    prober.sample(lagRec);
                    next = Math.max(next + interval, System.nanoTime());
                }
            } catch (Throwable e) {
                probeFailure.set(e);
            }
        }, "bench-lag-probe");
        probeThread.start();
        Phase loadPhase;
        long loadStart = System.nanoTime();
        long loadEnd;
        try {
            loadPhase = load.run(() -> probeFailure.get() != null);
        } finally {
            loadEnd = System.nanoTime();
            loading.set(false);
        }
        caughtUp.await();
        double catchUpMillis = (System.nanoTime() - loadEnd) / 1e6;
        probeThread.join(LAG_DEADLINE.toMillis() * 2);
        if (probeThread.isAlive()) throw new BenchFailure("the probe did not finish");
        Throwable failed = probeFailure.get();
        if (failed instanceof BenchFailure f) throw new BenchFailure("lag probe: " + f.getMessage(), f.getCause());
        if (failed != null) throw new BenchFailure("lag probe: " + failed, failed);
        Phase loaded = new Phase(0, lagRec.sorted());
        if (loaded.count() == 0) throw new BenchFailure("no lag sample was taken during the load");
        return new Result(idle, loaded, loadPhase, catchUpMillis, loadStart, loadEnd);
    }

    /** The probe device: one create per sample, then pull with its own cursor until the record shows. */
    static final class Probe {
        private final BenchDevice device;
        private final Puller reader;
        private final URI push;
        String cursor;

        Probe(BenchDevice device, Puller reader, URI push) {
            this.device = device;
            this.reader = reader;
            this.push = push;
        }

        /** One sample; records the lag (push response to the response of the pull that shows the record). */
        void sample(PushBenchmark.Recorder rec) throws Exception {
            BenchDevice.Push p = device.push(1, 0);
            String id = p.ids()[0];
            long pushed = send(device, push, p);
            long deadline = pushed + LAG_DEADLINE.toNanos();
            while (true) {
                long at = System.nanoTime();
                Pulled page = reader.pull(cursor, MAX_LIMIT);
                cursor = page.cursor();
                for (JsonNode c : page.changes()) {
                    if (!c.path("id").asText().equals(id)) {
                        throw new BenchFailure("probe: an unexpected change " + excerpt(c.toString()));
                    }
                    if (c.path("version").asLong() != 1 || c.path("deleted").asBoolean()) {
                        throw new BenchFailure("probe: " + id + " arrived as " + excerpt(c.toString()));
                    }
                    rec.add(pushed, page.receivedAt());
                    return;
                }
                if (page.hasMore()) throw new BenchFailure("probe: hasMore on an empty page");
                if (page.receivedAt() > deadline) {
                    throw new BenchFailure("probe: " + id + " not visible in a pull " + LAG_DEADLINE.toSeconds()
                            + " s after its push was answered");
                }
                LockSupport.parkNanos(at + POLL_NANOS - System.nanoTime());
            }
        }
    }

    // -------------------------------------------------------------------------------------------- HTTP

    /** Sends a push and checks it (PushBenchmark's checks); returns when its answer arrived (nanoTime). */
    static long send(BenchDevice d, URI uri, BenchDevice.Push push) throws Exception {
        HttpRequest request = d.pushRequest(uri, push);
        HttpResponse<String> response = d.http.send(request, HttpResponse.BodyHandlers.ofString());
        long at = System.nanoTime();
        PushBenchmark.check(d, push, response);
        return at;
    }

    /** One answered pull. {@code clientNanos}: from sending the request to having the whole body (not parsed). */
    record Pulled(List<JsonNode> changes, String cursor, boolean hasMore, long clientNanos, long receivedAt,
                  long bytes) {
    }

    /** A device that pulls: its own user, token and HttpClient (HTTP/1.1, no compression asked for). */
    static final class Puller {
        final String tenant;
        final String deviceId;
        private final String token;
        private final String pullBase;
        final HttpClient http;

        /** @param base {@code http://host:port/api/v1/sync/} */
        Puller(TokenSource server, String base, String tenant, String deviceId, String userId) {
            this.tenant = tenant;
            this.deviceId = deviceId;
            this.token = server.token(tenant, userId);
            this.pullBase = base + "pull?deviceId=" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8);
            this.http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
        }

        String token() {
            return token;
        }

        /** {@code GET /pull}; anything but a 200 with a well-formed body fails the run. */
        Pulled pull(String cursor, int limit) throws IOException, InterruptedException {
            String uri = pullBase + "&limit=" + limit
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                    .timeout(BenchDevice.REQUEST_TIMEOUT)
                    .header("Authorization", "Bearer " + token)
                    .GET()
                    .build();
            long start = System.nanoTime();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            long end = System.nanoTime();
            byte[] body = response.body();
            String where = "pull in " + tenant + " by " + deviceId + (cursor == null ? " (no cursor)" : "");
            if (response.statusCode() != 200) {
                throw new BenchFailure(where + ": HTTP " + response.statusCode() + ": "
                        + excerpt(new String(body, StandardCharsets.UTF_8)));
            }
            JsonNode root;
            try {
                root = JSON.readTree(body);
            } catch (IOException e) {
                throw new BenchFailure(where + ": the answer is not JSON: "
                        + excerpt(new String(body, StandardCharsets.UTF_8)), e);
            }
            JsonNode changes = root.path("changes");
            String next = root.path("cursor").asText(null);
            if (!changes.isArray() || next == null || next.isEmpty() || !root.path("hasMore").isBoolean()) {
                throw new BenchFailure(where + ": malformed answer " + excerpt(new String(body,
                        StandardCharsets.UTF_8)));
            }
            if (root.path("reset").asBoolean()) throw new BenchFailure(where + ": reset is true");
            List<JsonNode> list = new ArrayList<>(changes.size());
            changes.forEach(list::add);
            return new Pulled(list, next, root.path("hasMore").asBoolean(), end - start, end, body.length);
        }
    }
}
