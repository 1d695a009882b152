package io.outpost.bench;

import io.outpost.bench.PushBenchmark.Phase;
import io.outpost.bench.PushBenchmark.Recorder;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Phase (f) of the push benchmark, on any {@link ServerProcess}: does an update of a record with a long history
 * cost more than one of a record with a short one? One device makes a hot record of {@code hotEvents} events (a
 * create, then pushes of up to 1,000 updates of that one record) and a cold one of {@code coldEvents} events, warms
 * up on a third record, then times {@code updates} single-op updates of each, alternately (hot, cold, hot, ...),
 * each a one-op push of its own. With the server's aggregate cache both aggregates stay in memory; with
 * {@code --outpost.push.aggregate-cache-size=0} every update loads the record's whole event stream.
 */
final class HotRecords {

    /** The server's largest push. */
    static final int MAX_PUSH = 1000;
    /** Untimed single updates of a third record before the timed ones. */
    static final int WARMUP_UPDATES = 20;

    private HotRecords() {
    }

    /**
     * @param hot         single-op update latencies of the hot record
     * @param cold        those of the cold record
     * @param buildSeconds how long making the two histories took
     */
    record Result(int hotEvents, int coldEvents, Phase hot, Phase cold, double buildSeconds, BenchDevice device) {
        /** Median hot / median cold. */
        double ratio() {
            return hot.percentileMillis(50) / cold.percentileMillis(50);
        }
    }

    static Result run(ServerProcess server, String tenant, int hotEvents, int coldEvents, int updates)
            throws Exception {
        if (hotEvents < 1 || coldEvents < 1 || updates < 1) {
            throw new IllegalArgumentException("(f) needs at least 1 event per record and 1 update");
        }
        URI push = server.uri("/api/v1/sync/push");
        BenchDevice d = new BenchDevice(server, tenant, "hot-writer", "nurse-hot");
        Recorder unused = new Recorder(new AtomicReference<>());
        long buildStart = System.nanoTime();
        PushBenchmark.send(d, push, d.push(1, 0), unused); // record 0: hot
        for (int left = hotEvents - 1; left > 0; left -= MAX_PUSH) {
            PushBenchmark.send(d, push, d.updatesOf(0, Math.min(MAX_PUSH, left)), unused);
        }
        PushBenchmark.send(d, push, d.push(1, 0), unused); // record 1: cold
        for (int left = coldEvents - 1; left > 0; left -= MAX_PUSH) {
            PushBenchmark.send(d, push, d.updatesOf(1, Math.min(MAX_PUSH, left)), unused);
        }
        double buildSeconds = PushBenchmark.seconds(System.nanoTime() - buildStart);
        PushBenchmark.send(d, push, d.push(1, 0), unused); // record 2: warm-up only
        for (int i = 0; i < WARMUP_UPDATES; i++) PushBenchmark.send(d, push, d.updatesOf(2, 1), unused);

        Recorder hot = new Recorder(new AtomicReference<>());
        Recorder cold = new Recorder(new AtomicReference<>());
        for (int i = 0; i < updates; i++) {
            PushBenchmark.send(d, push, d.updatesOf(0, 1), hot);
            PushBenchmark.send(d, push, d.updatesOf(1, 1), cold);
        }
        return new Result(hotEvents, coldEvents, new Phase(0, hot.sorted()), new Phase(0, cold.sorted()),
                buildSeconds, d);
    }
}
