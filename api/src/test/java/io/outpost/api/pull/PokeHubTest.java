package io.outpost.api.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.query.pull.ChangeFeedReader;
import io.outpost.query.pull.FeedPosition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The hub's poke rounds, without a server: many streams of a tenant cost one read of its feed head per round. */
class PokeHubTest {

    private final AtomicInteger headReads = new AtomicInteger();
    private final PokeHub hub = new PokeHub(new SimpleMeterRegistry(), tenant -> {
        headReads.incrementAndGet();
        return new ChangeFeedReader.Head(7, new FeedPosition(42, 0), 41);
    });

    /** An emitter that keeps what it is sent (there is no HTTP response behind it). */
    static final class Recording extends SseEmitter {
        final List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void send(SseEventBuilder builder) {
            StringBuilder text = new StringBuilder();
            builder.build().forEach(part -> text.append(part.getData()));
            events.add(text.toString());
        }
    }

    /** An emitter whose connection is gone: every send fails; records whether its request was completed. */
    static final class Broken extends SseEmitter {
        volatile Throwable completedWith;

        @Override
        public void send(SseEventBuilder builder) throws java.io.IOException {
            throw new java.io.IOException("Broken pipe");
        }

        @Override
        public void completeWithError(Throwable ex) {
            completedWith = ex;
        }
    }

    @Test
    void a_stream_whose_write_fails_is_dropped_and_its_request_completed() {
        hub.start();
        Broken gone = new Broken();
        Recording alive = new Recording();
        hub.subscribe("t1", new PokeHub.Subscriber(gone, head -> Map.of("position", head.position().tx())));
        hub.subscribe("t1", new PokeHub.Subscriber(alive, head -> Map.of("position", head.position().tx())));

        hub.changed("t1");

        await().atMost(Duration.ofSeconds(5)).until(() -> alive.events.size() == 1);
        assertThat(gone.completedWith).as("the broken stream's request is completed, not left open")
                .isInstanceOf(java.io.IOException.class);
        assertThat(hub.openStreams()).isEqualTo(1);
    }

    @AfterEach
    void stop() {
        hub.stop();
    }

    @Test
    void one_feed_head_read_per_poke_round_however_many_streams() {
        hub.start();
        List<Recording> streams = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Recording r = new Recording();
            streams.add(r);
            hub.subscribe("t1", new PokeHub.Subscriber(r, head -> Map.of("position", head.position().tx())));
        }
        Recording other = new Recording();
        hub.subscribe("t2", new PokeHub.Subscriber(other, head -> Map.of("position", head.position().tx())));

        hub.changed("t1");
        hub.changed("t1"); // coalesced with the first

        await().atMost(Duration.ofSeconds(5)).until(() -> streams.stream().allMatch(s -> s.events.size() == 1));
        assertThat(headReads).hasValue(1);
        assertThat(streams.get(0).events.get(0)).contains("event:poke").contains("{position=42}");
        assertThat(other.events).as("another tenant's stream is not poked").isEmpty();
        assertThat(hub.openStreams()).isEqualTo(501);
    }

    @Test
    void a_failing_head_read_pokes_nobody_and_the_next_round_works() {
        AtomicInteger calls = new AtomicInteger();
        PokeHub flaky = new PokeHub(new SimpleMeterRegistry(), tenant -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("database down");
            return new ChangeFeedReader.Head(1, new FeedPosition(5, 0), 4);
        });
        try {
            flaky.start();
            Recording r = new Recording();
            flaky.subscribe("t", new PokeHub.Subscriber(r, head -> Map.of("position", head.position().tx())));
            flaky.changed("t");
            await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1);
            flaky.changed("t");
            await().atMost(Duration.ofSeconds(5)).until(() -> r.events.size() == 1);
            assertThat(r.events.get(0)).contains("{position=5}");
            assertThat(flaky.openStreams()).as("the stream stays subscribed").isEqualTo(1);
        } finally {
            flaky.stop();
        }
    }

    /**
     * A change that committed while an older transaction is still open lies above the feed's horizon: a pull would
     * not get it yet, so the round waits for the horizon to pass it before it pokes.
     */
    @Test
    void a_poke_waits_until_the_changes_it_announces_are_below_the_horizon() {
        java.util.concurrent.atomic.AtomicLong horizon = new java.util.concurrent.atomic.AtomicLong(10);
        AtomicInteger reads = new AtomicInteger();
        PokeHub waiting = new PokeHub(new SimpleMeterRegistry(), tenant -> {
            reads.incrementAndGet();
            // the tenant's newest change was written by transaction 12; transaction 10 is still open
            return new ChangeFeedReader.Head(1, new FeedPosition(horizon.get(), 0), 12);
        });
        try {
            waiting.start();
            Recording r = new Recording();
            waiting.subscribe("t", new PokeHub.Subscriber(r, head -> Map.of("position", head.position().tx())));
            waiting.changed("t");
            await().atMost(Duration.ofSeconds(5)).until(() -> reads.get() >= 3);
            assertThat(r.events).as("no poke while the change is above the horizon").isEmpty();

            horizon.set(13);
            await().atMost(Duration.ofSeconds(5)).until(() -> r.events.size() == 1);
            assertThat(r.events.get(0)).contains("{position=13}");
        } finally {
            waiting.stop();
        }
    }
}
