package io.outpost.api.config;

import io.outpost.command.api.SyncMetaData;
import java.time.Clock;
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
     * Serialises pushes that touch the same record on this node, so they do not collide at commit. Waits at most
     * about 5 s; a push that cannot get a lock (or would deadlock) is retried as a whole.
     */
    @Bean
    LockFactory recordLockFactory() {
        return PessimisticLockFactory.builder().acquireAttempts(50).lockAttemptTimeout(100).build();
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
