package io.outpost.api.config;

import io.outpost.api.database.DatabaseAvailability;
import io.outpost.api.database.DatabaseFailures;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outpost.query.feed.ChangeFeedProjection;
import io.outpost.query.feed.ProjectionClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * Projection lag of the change feed as Micrometer gauges: {@code outpost.projection.lag.events} (events in the store
 * the feed has not processed) and {@code outpost.projection.lag.seconds} (age of the oldest unprocessed change, 0 when
 * caught up). Both are -1 on a node that does not hold the feed's token.
 */
@Component
public class ProjectionLagMetrics implements SmartInitializingSingleton {

    private final MeterRegistry meters;
    private final EventProcessingConfiguration processing;
    private final EventStore eventStore;
    private final ProjectionClock projectionClock;
    private final Clock clock;
    private final DatabaseAvailability database;
    private volatile long lastBehind = -1;

    public ProjectionLagMetrics(MeterRegistry meters, @Lazy EventProcessingConfiguration processing,
                                @Lazy EventStore eventStore, ProjectionClock projectionClock, Clock clock,
                                DatabaseAvailability database) {
        this.database = database;
        this.meters = meters;
        this.processing = processing;
        this.eventStore = eventStore;
        this.projectionClock = projectionClock;
        this.clock = clock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Gauge.builder("outpost.projection.lag.events", this, m -> m.eventsBehind())
                .description("events stored but not yet in the change feed (-1: this node does not run the feed)")
                .register(meters);
        Gauge.builder("outpost.projection.lag.seconds", this, m -> m.secondsBehind())
                .description("age of the oldest change not yet in the change feed").register(meters);
    }

    /** Events behind the head of the event store, or -1 when this node does not hold the feed's token. */
    public long eventsBehind() {
        // the store's head is a query: while the database is unreachable, the last figure (health and scrapes answer)
        if (database.isDown()) return lastBehind;
        try {
            lastBehind = measureEventsBehind();
        } catch (RuntimeException e) {
            if (!DatabaseFailures.isConnectionFailure(e)) throw e;
            database.suspect(e);
        }
        return lastBehind;
    }

    private long measureEventsBehind() {
        Optional<TrackingEventProcessor> processor =
                processing.eventProcessor(ChangeFeedProjection.GROUP, TrackingEventProcessor.class);
        if (processor.isEmpty()) return -1;
        OptionalLong position = processor.get().processingStatus().values().stream()
                .map(EventTrackerStatus::getCurrentPosition).filter(OptionalLong::isPresent)
                .mapToLong(OptionalLong::getAsLong).min();
        if (position.isEmpty()) return processor.get().processingStatus().isEmpty() ? -1 : 0;
        TrackingToken head = eventStore.createHeadToken();
        long headPosition = head == null ? 0 : head.position().orElse(0);
        return Math.max(0, headPosition - position.getAsLong());
    }

    public double secondsBehind() {
        return lag().seconds();
    }

    /** Both figures from one look at the processor and the store's head. */
    public Lag lag() {
        long behind = eventsBehind();
        if (behind <= 0) return new Lag(behind, behind);
        Instant last = projectionClock.lastEventTime();
        return new Lag(behind, last == null ? 0 : Duration.between(last, clock.instant()).toMillis() / 1000.0);
    }

    /** Events and seconds behind; both -1 on a node that does not run the feed. */
    public record Lag(long events, double seconds) {
        public boolean runsOnThisNode() {
            return events >= 0;
        }
    }
}
