package io.outpost.query.feed;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/** The time stamp of the newest event the feed projection has handled on this node (for the lag gauge). */
@Component
public class ProjectionClock {

    private final AtomicReference<Instant> lastEvent = new AtomicReference<>();

    void processed(Instant eventTime) {
        lastEvent.accumulateAndGet(eventTime, (a, b) -> a == null || b.isAfter(a) ? b : a);
    }

    /** Null until the projection handled an event on this node. */
    public Instant lastEventTime() {
        return lastEvent.get();
    }
}
