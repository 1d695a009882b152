package io.outpost.command.record;

import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordLookup;
import io.outpost.command.api.RecordView;
import java.util.Optional;
import org.axonframework.config.Configuration;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * Loads records through the aggregate repository, so that within one push (one root unit of work) it returns the
 * same in-memory aggregate the commands change, uncommitted events included.
 */
@Component
class RecordLookupFromEventStore implements RecordLookup {

    private final Configuration axon;
    private volatile Repository<RecordAggregate> repository;

    RecordLookupFromEventStore(@Lazy Configuration axon) {
        this.axon = axon;
    }

    @Override
    public Optional<RecordView> find(RecordKey key) {
        try {
            return Optional.ofNullable(repository().load(key.toString()).invoke(RecordAggregate::view));
        } catch (AggregateNotFoundException e) {
            return Optional.empty();
        }
    }

    private Repository<RecordAggregate> repository() {
        Repository<RecordAggregate> r = repository;
        if (r == null) {
            r = axon.repository(RecordAggregate.class);
            repository = r;
        }
        return r;
    }
}
