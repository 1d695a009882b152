package io.outpost.api.config;

import io.outpost.command.api.SyncMetaData;
import java.time.Clock;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.common.jpa.EntityManagerProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jpa.JpaEventStorageEngine;
import org.axonframework.serialization.Serializer;
import org.axonframework.springboot.util.RegisterDefaultEntities;
import org.springframework.beans.factory.annotation.Qualifier;
import org.axonframework.common.lock.LockFactory;
import org.axonframework.common.lock.PessimisticLockFactory;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Axon set-up beyond the Spring Boot defaults. */
@Configuration(proxyBeanMethods = false)
@RegisterDefaultEntities(packages = "org.axonframework.eventsourcing.eventstore.jpa")
class AxonConfiguration {

    /** Copies the operation's metadata (tenant, user, device, opId, clientTimestamp) from commands to their events. */
    @Bean
    CorrelationDataProvider syncMetaDataProvider() {
        return new SimpleCorrelationDataProvider(SyncMetaData.TENANT, SyncMetaData.USER, SyncMetaData.DEVICE,
                SyncMetaData.OP_ID, SyncMetaData.CLIENT_TIMESTAMP);
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
     * The JPA event store as Axon's auto-configuration builds it, without the per-load snapshot query. Defining it
     * turns that auto-configuration off, hence {@code @RegisterDefaultEntities} above.
     */
    @Bean
    EventStorageEngine eventStorageEngine(Serializer defaultSerializer, PersistenceExceptionResolver exceptions,
                                          @Qualifier("eventSerializer") Serializer eventSerializer,
                                          org.axonframework.config.Configuration configuration,
                                          EntityManagerProvider entityManagerProvider,
                                          TransactionManager transactionManager) {
        return new NoSnapshotJpaEventStorageEngine(JpaEventStorageEngine.builder()
                .snapshotSerializer(defaultSerializer)
                .upcasterChain(configuration.upcasterChain())
                .persistenceExceptionResolver(exceptions)
                .eventSerializer(eventSerializer)
                .snapshotFilter(configuration.snapshotFilter())
                .entityManagerProvider(entityManagerProvider)
                .transactionManager(transactionManager));
    }

    /**
     * Keeps up to {@code outpost.push.aggregate-cache-size} recently used record aggregates in memory, so an update of
     * a record this node loaded lately needs no event-stream read. Safe with several nodes: every operation appends
     * an event, so a decision made on a stale copy fails at commit on the event store's unique key, Axon evicts the
     * copy on rollback, and the retried push reloads it.
     */
    @Bean
    Cache recordCache(OutpostProperties properties) {
        return new CaffeineAggregateCache(properties.push().aggregateCacheSize());
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
