package io.outpost.api.config;

import io.outpost.command.api.StateJson;
import io.outpost.command.api.SyncMetaData;
import io.outpost.command.api.upcasting.RecordCreatedEvent1To2Upcaster;
import io.outpost.command.api.upcasting.RecordUpdatedEvent1To2Upcaster;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.NoSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotterFactoryBean;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import javax.sql.DataSource;
import java.sql.SQLException;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.common.jdbc.UnitOfWorkAwareConnectionProviderWrapper;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.EventBusSpanFactory;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import io.outpost.query.feed.ChangeFeedProjection;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.axonframework.common.lock.LockFactory;
import org.axonframework.common.lock.PessimisticLockFactory;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Axon set-up beyond the Spring Boot defaults. */
@Configuration(proxyBeanMethods = false)
class AxonConfiguration {

    /** Copies the operation's metadata (tenant, user, device, opId, clientTimestamp) from commands to their events. */
    @Bean
    CorrelationDataProvider syncMetaDataProvider() {
        return new SimpleCorrelationDataProvider(SyncMetaData.TENANT, SyncMetaData.USER, SyncMetaData.DEVICE,
                SyncMetaData.OP_ID, SyncMetaData.CLIENT_TIMESTAMP);
    }

    /**
     * The event serializer (Axon's Jackson serializer on Spring's ObjectMapper, which takes every Module bean) copies
     * a state the record aggregate already wrote in this push into the event's payload ({@link StateJson}).
     */
    @Bean
    com.fasterxml.jackson.databind.Module stateJsonModule() {
        return StateJson.module();
    }

    /**
     * Events stored at an older revision are read as the current one on every read path (aggregates, history, as-of,
     * verification, rebuilds): Axon's auto-configuration puts these beans into the upcaster chain that the event
     * storage engine below is built with. The stored rows are never rewritten.
     */
    @Bean
    RecordCreatedEvent1To2Upcaster recordCreatedEvent1To2Upcaster() {
        return new RecordCreatedEvent1To2Upcaster();
    }

    @Bean
    RecordUpdatedEvent1To2Upcaster recordUpdatedEvent1To2Upcaster() {
        return new RecordUpdatedEvent1To2Upcaster();
    }

    /**
     * Serialises pushes that touch the same record on this node, so they do not collide at commit. Waits at most
     * about 5 s; a push that cannot get a lock (or would deadlock) is retried as a whole.
     */
    @Bean
    LockFactory recordLockFactory() {
        return PessimisticLockFactory.builder().acquireAttempts(50).lockAttemptTimeout(100).build();
    }

    /**
     * Axon's JDBC event store on the same tables ({@code domain_event_entry}, {@code snapshot_event_entry}, snake-case
     * columns), joining the Spring transaction of the push or the processor. A push's events go out as one JDBC batch
     * ({@code reWriteBatchedInserts} makes it a few multi-row INSERTs), and {@code global_index} comes from the
     * column's default, not from one {@code nextval} round trip per event as Hibernate's generator made it.
     */
    @Bean
    EventStorageEngine eventStorageEngine(Serializer defaultSerializer, PersistenceExceptionResolver exceptions,
                                          @Qualifier("eventSerializer") Serializer eventSerializer,
                                          org.axonframework.config.Configuration configuration,
                                          DataSource dataSource, TransactionManager transactionManager) {
        return JdbcEventStorageEngine.builder()
                .snapshotSerializer(defaultSerializer)
                .upcasterChain(configuration.upcasterChain())
                .persistenceExceptionResolver(exceptions)
                .eventSerializer(eventSerializer)
                .snapshotFilter(configuration.snapshotFilter())
                .connectionProvider(new UnitOfWorkAwareConnectionProviderWrapper(
                        new SpringDataSourceConnectionProvider(dataSource)))
                .transactionManager(transactionManager)
                .schema(EVENT_SCHEMA)
                .appendEvents(new TenantTaggingAppend())
                .batchSize(500)
                .build();
    }

    /**
     * The event store as Axon's auto-configuration builds it, but without its shared in-memory window of events
     * ({@code optimizeEventConsumption(false)}): the tracking processor reads the events from the database itself.
     * The window (a producer thread reading ahead for all processors, keeping the newest 10,000 events with their
     * deserialised payloads) held about 36 MiB of live heap under the fleet benchmark, and under the push benchmark's
     * load it kept every event of the run (146,501 of Axon's {@code EmbeddedEventStore$Node} in a heap dump of a
     * server that died of OutOfMemoryError at {@code -Xmx320m}; Axon issue 2954 reports the same, and Axon 5 drops
     * the window). With one processor on a node it saved nothing: it read each event once, for one reader.
     */
    @Bean(name = "eventBus")
    @Qualifier("eventStore")
    EmbeddedEventStore eventStore(EventStorageEngine storageEngine, org.axonframework.config.Configuration axon) {
        return EmbeddedEventStore.builder()
                .storageEngine(storageEngine)
                .messageMonitor(axon.messageMonitor(EventStore.class, "eventStore"))
                .spanFactory(axon.getComponent(EventBusSpanFactory.class))
                .optimizeEventConsumption(false)
                .build();
    }

    /**
     * The processor {@code sync-feed} (the read model, the change feed, device progress and the conflicts list) is a
     * subscribing one ({@link FeedEventProcessor}: Axon's, handing each event to the handlers without Axon's per-event
     * machinery): its handlers run in the unit of work that publishes the events (a push, a conflict resolution),
     * after the events are appended, and their rows go out as JDBC batches in that same transaction. A push's changes
     * are in the feed when it is answered (no lag, no second read and deserialisation of every event, no token), and
     * the read model can never disagree with the events: a projection that fails rolls the push back
     * ({@link PropagatingErrorHandler}). The feed stays gap-free because a pull reads only below its snapshot's
     * horizon (docs/pull.md; the projection takes the tenant's feed lock shared, ChangeFeedProjection).
     */
    @Bean
    org.axonframework.config.ConfigurerModule feedProcessor() {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerEventProcessor(ChangeFeedProjection.GROUP, FeedEventProcessor::create)
                .registerListenerInvocationErrorHandler(ChangeFeedProjection.GROUP,
                        c -> PropagatingErrorHandler.instance()));
    }

    /**
     * Axon's JDBC token store (Axon's JDBC auto-configuration builds it from this schema) on {@code token_entry}, the
     * table V1 made for the JPA token store, under its snake-case column names. There is no JPA in the server.
     */
    @Bean
    TokenSchema tokenSchema() {
        return TokenSchema.builder()
                .setTokenTable("token_entry")
                .setProcessorNameColumn("processor_name")
                .setSegmentColumn("segment")
                .setTokenColumn("token")
                .setTokenTypeColumn("token_type")
                .setTimestampColumn("timestamp")
                .setOwnerColumn("owner")
                .build();
    }

    /**
     * The token store, as Axon's JDBC auto-configuration would build it, but with an owner name of its own per server
     * instance: Axon's default, {@code pid@host}, is the same for two servers in one JVM (the database-outage test's
     * second node), which then both took the one segment's claim as theirs and the feed stalled after outages. The
     * claim timeout is Axon's ({@code axon.eventhandling.tokenstore.claim-timeout}, 10 s).
     */
    @Bean
    TokenStore tokenStore(DataSource dataSource, Serializer serializer, TokenSchema schema,
                          org.springframework.core.env.Environment env) {
        String owner = java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "/"
                + java.util.UUID.randomUUID().toString().substring(0, 8);
        return JdbcTokenStore.builder()
                .connectionProvider(new UnitOfWorkAwareConnectionProviderWrapper(
                        new SpringDataSourceConnectionProvider(dataSource)))
                .schema(schema)
                .serializer(serializer)
                .claimTimeout(env.getProperty("axon.eventhandling.tokenstore.claim-timeout", java.time.Duration.class,
                        java.time.Duration.ofSeconds(10)))
                .nodeId(owner)
                .build();
    }

    /**
     * A duplicate key is PostgreSQL's {@code unique_violation} (SQLSTATE 23505) anywhere in the cause chain: a second
     * event at the same (aggregate, sequence number), i.e. a concurrent change of the record, which Axon then reports
     * as a {@code ConcurrencyException} and the push retries.
     */
    @Bean
    PersistenceExceptionResolver persistenceExceptionResolver() {
        return failure -> {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) return true;
            }
            return false;
        };
    }

    /** The column names of Axon's JPA entities under Spring's naming strategy, which created these tables (V1). */
    static final EventSchema EVENT_SCHEMA = EventSchema.builder()
            .eventTable("domain_event_entry")
            .snapshotTable("snapshot_event_entry")
            .globalIndexColumn("global_index")
            .timestampColumn("time_stamp")
            .eventIdentifierColumn("event_identifier")
            .aggregateIdentifierColumn("aggregate_identifier")
            .sequenceNumberColumn("sequence_number")
            .typeColumn("type")
            .payloadTypeColumn("payload_type")
            .payloadRevisionColumn("payload_revision")
            .payloadColumn("payload")
            .metaDataColumn("meta_data")
            .build();

    /**
     * Keeps up to {@code outpost.push.aggregate-cache-size} recently used record aggregates, and at most
     * {@code outpost.push.aggregate-cache-max-bytes} of them by their estimated footprint, in memory, so an update of
     * a record this node loaded lately needs no event-stream read. Safe with several nodes: every operation appends
     * an event, so a decision made on a stale copy fails at commit on the event store's unique key, Axon evicts the
     * copy on rollback, and the retried push reloads it.
     */
    @Bean
    Cache recordCache(OutpostProperties properties, MeterRegistry meters) {
        return new LruAggregateCache(properties.push().aggregateCacheSize(),
                properties.push().effectiveAggregateCacheMaxBytes(), meters);
    }

    /**
     * Snapshots of record aggregates: one after every {@code outpost.push.snapshot-threshold} events of a record
     * (counted since its last snapshot or load), so loading a record with a long history reads its newest snapshot and
     * at most that many events, not the whole stream. A snapshot is a cache of the stream: the audit trail, the hash
     * chain's verification and projection rebuilds read the events only, and a snapshot Axon cannot read (a class that
     * changed, another {@code @Revision}) is ignored in favour of the whole stream.
     */
    @Bean
    SnapshotTriggerDefinition recordSnapshotTrigger(Snapshotter snapshotter, OutpostProperties properties) {
        int threshold = properties.push().snapshotThreshold();
        return threshold == 0 ? NoSnapshotTriggerDefinition.INSTANCE
                : new EventCountSnapshotTriggerDefinition(snapshotter, threshold);
    }

    /** Takes snapshots after the commit that triggered them, on one background thread (never on a push's thread). */
    @Bean
    SpringAggregateSnapshotterFactoryBean snapshotter(@Qualifier("snapshotExecutor") Executor snapshotExecutor) {
        SpringAggregateSnapshotterFactoryBean factory = new SpringAggregateSnapshotterFactoryBean();
        factory.setExecutor(snapshotExecutor);
        return factory;
    }

    @Bean(destroyMethod = "shutdown")
    ExecutorService snapshotExecutor() {
        return Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "aggregate-snapshotter");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
