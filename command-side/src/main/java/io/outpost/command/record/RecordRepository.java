package io.outpost.command.record;

import org.axonframework.config.Configuration;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.modelling.command.Repository;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * The record aggregate's Axon repository (lock, cache, event store: the one the command bus uses), looked up once the
 * Axon configuration exists; {@link RecordLookupFromEventStore} and {@link RecordOperationsOnRepository} share it.
 */
@Component
class RecordRepository {

    private final Configuration axon;
    private volatile Repository<RecordAggregate> repository;
    private volatile String managedAggregatesKey;

    RecordRepository(@Lazy Configuration axon) {
        this.axon = axon;
    }

    Repository<RecordAggregate> get() {
        Repository<RecordAggregate> r = repository;
        if (r == null) {
            r = axon.repository(RecordAggregate.class);
            managedAggregatesKey = ManagedAggregates.resourceKey(r);
            repository = r;
        }
        return r;
    }

    /**
     * Gives the current unit of work the repository's map of managed aggregates as a {@link ManagedAggregates},
     * unless the repository has made its own already. Call it before the unit of work's first load or create.
     */
    void useManagedAggregates() {
        get();
        CurrentUnitOfWork.get().root().getOrComputeResource(managedAggregatesKey, k -> new ManagedAggregates());
    }
}
