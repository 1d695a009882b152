package io.outpost.api.config;

import java.util.ArrayList;
import java.util.List;
import org.axonframework.config.Configuration;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.DirectEventProcessingStrategy;
import org.axonframework.eventhandling.EventHandlerInvoker;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.EventProcessingException;
import org.axonframework.eventhandling.EventProcessorSpanFactory;
import org.axonframework.eventhandling.MultiEventHandlerInvoker;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.SubscribingEventProcessor;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;

/**
 * The subscribing processor {@code sync-feed} (the read model, the change feed, the conflicts list), which hands a
 * push's events to the projections' handlers straight away. Axon's subscribing processor asks every handler whether
 * it handles an event, then asks again in its invoker, and runs each batch in a nested unit of work with its
 * interceptors and a result message per event: about 6 % of a push's CPU on the request threads in issue 16's profile
 * for ~200 events, before a projection wrote anything. Here each event goes to each handler adapter, which finds the
 * event's handler method or none, in the unit of work that stored the event (the push's, whose transaction the
 * projections' rows join, as before).
 *
 * <p>What this leaves out is what {@code sync-feed} does not use: interceptors (a projection dispatches no messages),
 * segments (one segment), replays (a subscribing processor has none), message monitors (none is configured), and
 * listener error handlers other than propagating: a handler's exception always rolls the push back, the contract of
 * this processor ({@link AxonConfiguration#feedProcessor}). Events published outside a unit of work, and an invoker
 * of another shape than Axon's, take Axon's own path.
 */
final class FeedEventProcessor extends SubscribingEventProcessor {

    private final List<EventMessageHandler> handlers;

    private FeedEventProcessor(Builder builder, List<EventMessageHandler> handlers) {
        super(builder);
        this.handlers = handlers;
    }

    /** The processor {@code name}, configured as Axon's module configures a subscribing processor. */
    static FeedEventProcessor create(String name, Configuration config, EventHandlerInvoker invoker) {
        EventProcessingConfiguration processing = config.eventProcessingConfiguration();
        Builder builder = SubscribingEventProcessor.builder()
                .name(name)
                .eventHandlerInvoker(invoker)
                .rollbackConfiguration(processing.rollbackConfiguration(name))
                .errorHandler(processing.errorHandler(name))
                .messageMonitor(config.messageMonitor(SubscribingEventProcessor.class, name))
                .messageSource(config.eventStore())
                .processingStrategy(DirectEventProcessingStrategy.INSTANCE)
                .transactionManager(processing.transactionManager(name))
                .spanFactory(config.getComponent(EventProcessorSpanFactory.class));
        return new FeedEventProcessor(builder, handlersOf(invoker));
    }

    /** The handler adapters behind Axon's invoker, in its order; null when it is not built as Axon builds it. */
    static List<EventMessageHandler> handlersOf(EventHandlerInvoker invoker) {
        List<EventHandlerInvoker> invokers = invoker instanceof MultiEventHandlerInvoker multi
                ? multi.delegates() : List.of(invoker);
        List<EventMessageHandler> handlers = new ArrayList<>();
        for (EventHandlerInvoker each : invokers) {
            if (!(each instanceof SimpleEventHandlerInvoker simple)) return null;
            handlers.addAll(simple.eventHandlers());
        }
        return List.copyOf(handlers);
    }

    @Override
    protected void process(List<? extends EventMessage<?>> events) {
        if (handlers == null || !CurrentUnitOfWork.isStarted()) {
            super.process(events);
            return;
        }
        EventMessage<?> current = null;
        try {
            for (EventMessage<?> event : events) {
                current = event;
                for (EventMessageHandler handler : handlers) handler.handle(event);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new EventProcessingException("the change feed could not take event " + current.getIdentifier(), e);
        }
    }
}
