package io.outpost.faults;

import io.outpost.bench.BenchDevice;
import io.outpost.bench.PushBenchmark;
import io.outpost.bench.TokenSource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Devices pushing while a fault happens, as a field device does: each push is re-sent, unchanged (same opIds), after
 * every answer that is not 200 (429 and 5xx after their {@code Retry-After}), every cut connection and every request
 * that got no answer within {@link #ANSWER_TIMEOUT}, until it is acknowledged. Every 200 is checked op by op
 * ({@link PushBenchmark#check}: applied, at the version the device expects, a re-send answered from its stored
 * results), so a wrong answer fails the scenario. Every attempt is recorded with its start, end and outcome.
 *
 * <p>{@link Run#stop} lets each device finish (acknowledge) the push it is in, so afterwards every op a device made
 * was acknowledged, and {@link RecordSet} can check that each was applied exactly once.
 */
final class Fleet {

    /** A request without an answer after this long counts as unanswered and is re-sent. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    /** A push not acknowledged after this long fails the scenario. */
    static final Duration GIVE_UP = Duration.ofMinutes(3);
    static final int NO_ANSWER = -1;
    static final int CUT = -2;

    /** One request: nanoTime at its start and end, the HTTP status or {@link #NO_ANSWER} / {@link #CUT}. */
    record Attempt(long start, long end, int outcome) {
        double seconds() {
            return (end - start) / 1e9;
        }
    }

    final String tenant;
    final List<BenchDevice> devices = new ArrayList<>();

    Fleet(TokenSource tokens, String tenant, int size) {
        this.tenant = tenant;
        for (int i = 0; i < size; i++) devices.add(new BenchDevice(tokens, tenant, i));
    }

    /**
     * Every device pushes {@code opsPerPush} ops per push (its first push creates only, then half creates and half
     * updates of its own records) to {@code target}, pausing {@code pause} between acknowledged pushes, until
     * {@link Run#stop}.
     */
    Run start(Supplier<URI> target, int opsPerPush, Duration pause) {
        Run run = new Run(devices.size());
        for (BenchDevice d : devices) {
            Thread t = new Thread(() -> run.drive(d, target, opsPerPush, pause), "fleet-" + d.deviceId);
            t.setDaemon(true);
            t.start();
        }
        return run;
    }

    /** Ops made (and, after {@link Run#stop}, acknowledged) by all devices. */
    long ops() {
        return devices.stream().mapToLong(BenchDevice::lastOpId).sum();
    }

    static final class Run {
        private final CountDownLatch done;
        private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean stopping;
        private long acknowledged;
        private long duplicates;

        private Run(int devices) {
            this.done = new CountDownLatch(devices);
        }

        private void drive(BenchDevice d, Supplier<URI> target, int opsPerPush, Duration pause) {
            try {
                while (!stopping && failure.get() == null) {
                    BenchDevice.Push push = d.records() == 0 ? d.push(opsPerPush, 0)
                            : d.push(opsPerPush - opsPerPush / 2, opsPerPush / 2);
                    untilAcknowledged(d, push, target);
                    Thread.sleep(pause.toMillis());
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                done.countDown();
            }
        }

        private void untilAcknowledged(BenchDevice d, BenchDevice.Push push, Supplier<URI> target)
                throws InterruptedException {
            long giveUp = System.nanoTime() + GIVE_UP.toNanos();
            while (true) {
                if (System.nanoTime() > giveUp) {
                    throw new AssertionError(d.deviceId + ": a push of opIds " + push.opIds()[0] + ".."
                            + push.opIds()[push.size() - 1] + " was not acknowledged within " + GIVE_UP);
                }
                long start = System.nanoTime();
                HttpResponse<String> response;
                try {
                    response = d.http.send(d.pushRequest(target.get(), push, ANSWER_TIMEOUT),
                            HttpResponse.BodyHandlers.ofString());
                } catch (HttpTimeoutException e) {
                    attempts.add(new Attempt(start, System.nanoTime(), NO_ANSWER));
                    continue;
                } catch (IOException e) {
                    attempts.add(new Attempt(start, System.nanoTime(), CUT));
                    Thread.sleep(250);
                    continue;
                }
                attempts.add(new Attempt(start, System.nanoTime(), response.statusCode()));
                int status = response.statusCode();
                if (status == 200) {
                    PushBenchmark.check(d, push, response); // throws on any wrong result
                    synchronized (this) {
                        acknowledged += push.size();
                        if (response.body().contains("\"duplicate\":true")) duplicates++;
                    }
                    return;
                }
                if (status != 429 && status != 502 && status != 503 && status != 504) {
                    throw new AssertionError(d.deviceId + ": HTTP " + status + " to a valid push: "
                            + PushBenchmark.excerpt(response.body()));
                }
                long wait = response.headers().firstValueAsLong("Retry-After").orElse(1) * 1000;
                Thread.sleep(Math.min(wait, 2000));
            }
        }

        /** Stops starting pushes; waits until every device's current push is acknowledged; rethrows a failure. */
        void stop() throws InterruptedException {
            stopping = true;
            if (!done.await(GIVE_UP.toSeconds() + 30, TimeUnit.SECONDS)) {
                throw new AssertionError("devices still pushing " + (GIVE_UP.toSeconds() + 30) + " s after stop");
            }
            Throwable f = failure.get();
            if (f instanceof AssertionError a) throw a;
            if (f != null) throw new AssertionError(f.toString(), f);
        }

        List<Attempt> attempts() {
            synchronized (attempts) {
                return List.copyOf(attempts);
            }
        }

        /** Pushes answered 200 whose answer included a duplicate result (a re-send of something applied). */
        synchronized long duplicateAnswers() {
            return duplicates;
        }

        synchronized long acknowledgedOps() {
            return acknowledged;
        }

        /** Attempts with this outcome. */
        long count(int outcome) {
            return attempts().stream().filter(a -> a.outcome() == outcome).count();
        }

        /** The longest wait for an answer among attempts that started in [from, to) (nanoTime). */
        double longestAnswer(long from, long to) {
            return attempts().stream().filter(a -> a.start() >= from && a.start() < to)
                    .mapToDouble(Attempt::seconds).max().orElse(0);
        }

        /** Seconds from {@code after} (nanoTime) to the end of the first 200 among attempts started after it. */
        double firstSuccessAfter(long after) {
            return attempts().stream().filter(a -> a.outcome() == 200 && a.start() >= after)
                    .mapToLong(Attempt::end).min().stream().mapToDouble(end -> (end - after) / 1e9)
                    .findFirst().orElse(Double.NaN);
        }

        /** Has any device's push been acknowledged since {@code after}? */
        boolean acknowledgedSince(long after) {
            return attempts().stream().anyMatch(a -> a.outcome() == 200 && a.end() >= after);
        }
    }
}
