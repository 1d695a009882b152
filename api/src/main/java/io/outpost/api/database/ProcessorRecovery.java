package io.outpost.api.database;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Stops the tracking processors (the change feed) while the database is down and brings them back as soon as
 * it is. Stopped, they stop asking the connection pool for connections, so the pool can be suspended
 * ({@link DatabaseAvailability}); left running, each would wait for a connection, fail, and then wait in Axon's
 * back-off of 1, 2, 4 … up to 60 s, so after a 30 s outage the feed could stay stale for half a minute more. On
 * recovery the processors that were running, and any in that back-off, start again from their stored tokens, so no
 * event is skipped and none is handled twice beyond what their idempotent handlers absorb.
 */
@Component
class ProcessorRecovery {

    private static final Logger log = LoggerFactory.getLogger(ProcessorRecovery.class);
    /** Touched on the availability's recovery thread only. */
    private final Set<TrackingEventProcessor> stopped = new HashSet<>();

    ProcessorRecovery(DatabaseAvailability availability, EventProcessingConfiguration processing) {
        availability.onOutage(() -> {
            // all at once: each may first have to wait out a connection request (the pool's timeout)
            Map<TrackingEventProcessor, CompletableFuture<Void>> stopping = new LinkedHashMap<>();
            for (TrackingEventProcessor p : tracking(processing)) {
                if (!p.isRunning()) continue;
                log.info("stopping event processor {} while the database is down", p.getName());
                stopping.put(p, p.shutdownAsync());
            }
            stopping.forEach((p, done) -> {
                if (await(p, done)) stopped.add(p);
            });
        });
        availability.onRecovery(() -> {
            for (TrackingEventProcessor p : tracking(processing)) {
                if (stopped.remove(p)) start(p);
                else if (failing(p)) restart(p);
            }
        });
    }

    private static List<TrackingEventProcessor> tracking(EventProcessingConfiguration processing) {
        return processing.eventProcessors().values().stream().filter(TrackingEventProcessor.class::isInstance)
                .map(TrackingEventProcessor.class::cast).toList();
    }

    private static boolean failing(TrackingEventProcessor processor) {
        return processor.isError() || processor.processingStatus().values().stream()
                .anyMatch(EventTrackerStatus::isErrorState);
    }

    /** A claim cannot be released while the database is down; this node reclaims it on restart (same owner). */
    private static boolean await(TrackingEventProcessor processor, CompletableFuture<Void> shutdown) {
        try {
            shutdown.get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            log.warn("could not stop event processor {}: {}", processor.getName(), e.toString());
            return false;
        }
    }

    private static void start(TrackingEventProcessor processor) {
        log.info("starting event processor {} again", processor.getName());
        processor.start();
    }

    private static void restart(TrackingEventProcessor processor) {
        log.info("restarting event processor {} out of its error back-off", processor.getName());
        if (await(processor, processor.shutdownAsync())) start(processor);
    }
}
