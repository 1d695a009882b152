package io.outpost.api.database;

import java.util.concurrent.TimeUnit;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Brings the tracking processors (change feed, audit index) back as soon as the database is: after a failed batch Axon
 * waits 1, 2, 4 … up to 60 s before it tries again, so after a 30 s outage the feed could stay stale for half a minute
 * more. On recovery every processor that is in that back-off is restarted; it resumes from its stored token, so no
 * event is skipped and none is handled twice beyond what its idempotent handlers absorb.
 */
@Component
class ProcessorRecovery {

    private static final Logger log = LoggerFactory.getLogger(ProcessorRecovery.class);

    ProcessorRecovery(DatabaseAvailability availability, EventProcessingConfiguration processing) {
        availability.onRecovery(() -> processing.eventProcessors().values().forEach(p -> {
            if (p instanceof TrackingEventProcessor tracking && failing(tracking)) restart(tracking);
        }));
    }

    private static boolean failing(TrackingEventProcessor processor) {
        return processor.isError() || processor.processingStatus().values().stream()
                .anyMatch(EventTrackerStatus::isErrorState);
    }

    private static void restart(TrackingEventProcessor processor) {
        log.info("restarting event processor {} out of its error back-off", processor.getName());
        try {
            processor.shutdownAsync().get(10, TimeUnit.SECONDS);
            processor.start();
        } catch (Exception e) {
            log.warn("could not restart event processor {}: {}", processor.getName(), e.toString());
        }
    }
}
