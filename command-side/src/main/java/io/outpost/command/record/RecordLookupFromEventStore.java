package io.outpost.command.record;

import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordLookup;
import io.outpost.command.api.RecordView;
import java.util.Optional;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.springframework.stereotype.Component;

/**
 * Loads records through the aggregate repository, so that within one push (one root unit of work) it returns the
 * same in-memory aggregate the commands change, uncommitted events included.
 */
@Component
class RecordLookupFromEventStore implements RecordLookup {

    private final RecordRepository repository;

    RecordLookupFromEventStore(RecordRepository repository) {
        this.repository = repository;
    }

    @Override
    public Optional<RecordView> find(RecordKey key) {
        try {
            return Optional.ofNullable(repository.get().load(key.toString()).invoke(RecordAggregate::view));
        } catch (AggregateNotFoundException e) {
            return Optional.empty();
        }
    }
}
