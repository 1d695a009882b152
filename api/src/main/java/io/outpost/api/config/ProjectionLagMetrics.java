package io.outpost.api.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.outpost.query.feed.ChangeFeedProjection;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * Projection lag of the change feed as Micrometer gauges: {@code outpost.projection.lag.events} (events stored but
 * not yet in the change feed) and {@code outpost.projection.lag.seconds}. The feed is written in the transaction that
 * stores the events (a subscribing processor: AxonConfiguration), so both are 0 while that processor runs on this
 * node, which every node does; -1 before it has started. Kept so dashboards and alerts on lag stay valid.
 */
@Component
public class ProjectionLagMetrics implements SmartInitializingSingleton {

    private final MeterRegistry meters;
    private final EventProcessingConfiguration processing;

    public ProjectionLagMetrics(MeterRegistry meters, @Lazy EventProcessingConfiguration processing) {
        this.meters = meters;
        this.processing = processing;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Gauge.builder("outpost.projection.lag.events", this, m -> m.eventsBehind())
                .description("events stored but not yet in the change feed (0: the feed is written with the events)")
                .register(meters);
        Gauge.builder("outpost.projection.lag.seconds", this, m -> m.secondsBehind())
                .description("age of the oldest change not yet in the change feed").register(meters);
    }

    /** 0 while the feed's processor runs on this node (it writes with the events), -1 before it has started. */
    public long eventsBehind() {
        return processing.eventProcessor(ChangeFeedProjection.GROUP).filter(EventProcessor::isRunning).isPresent()
                ? 0 : -1;
    }

    public double secondsBehind() {
        return lag().seconds();
    }

    public Lag lag() {
        long behind = eventsBehind();
        return new Lag(behind, behind);
    }

    /** Events and seconds behind; both -1 on a node whose feed processor has not started. */
    public record Lag(long events, double seconds) {
        public boolean runsOnThisNode() {
            return events >= 0;
        }
    }
}
