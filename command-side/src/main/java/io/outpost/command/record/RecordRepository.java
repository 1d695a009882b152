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

    /**
     * The repository. Inside a unit of work, the unit of work first gets the repository's map of managed aggregates
     * as a {@link ManagedAggregates}, unless the repository has made its own already: every load and create of a
     * record goes through here (the push planner's reads and the ops), so the first of them installs it.
     */
    Repository<RecordAggregate> get() {
        Repository<RecordAggregate> r = repository;
        if (r == null) {
            r = axon.repository(RecordAggregate.class);
            managedAggregatesKey = ManagedAggregates.resourceKey(r);
            repository = r;
        }
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().root().getOrComputeResource(managedAggregatesKey, k -> new ManagedAggregates());
        }
        return r;
    }
}
