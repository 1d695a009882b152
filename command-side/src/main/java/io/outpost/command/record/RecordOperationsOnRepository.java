package io.outpost.command.record;

import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CreateNewRecordCommand;
import io.outpost.command.api.CreateRecordCommand;
import io.outpost.command.api.DeleteRecordCommand;
import io.outpost.command.api.OperationOutcome;
import io.outpost.command.api.RecordCommand;
import io.outpost.command.api.RecordOperations;
import io.outpost.command.api.IncrementRecordCommand;
import io.outpost.command.api.UpdateRecordCommand;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.modelling.command.Repository;
import org.springframework.stereotype.Component;

/** {@link RecordOperations} on the record aggregate's repository (lock, cache, event store: the command bus's). */
@Component
class RecordOperationsOnRepository implements RecordOperations {

    private final RecordRepository repository;
    private final CollectionCatalog catalog;

    RecordOperationsOnRepository(RecordRepository repository, CollectionCatalog catalog) {
        this.repository = repository;
        this.catalog = catalog;
    }

    @Override
    public OperationOutcome execute(RecordCommand command) {
        if (!CurrentUnitOfWork.isStarted()) {
            throw new IllegalStateException("a record operation runs inside a unit of work (the push's)");
        }
        Repository<RecordAggregate> records = repository.get();
        String id = command.key().toString();
        try {
            if (command instanceof CreateNewRecordCommand create) {
                OperationOutcome[] outcome = new OperationOutcome[1];
                records.newInstance(RecordAggregate::new, a -> outcome[0] = a.invoke(r -> r.handle(create, catalog)));
                return outcome[0];
            } else if (command instanceof CreateRecordCommand create) {
                return records.loadOrCreate(id, RecordAggregate::new).invoke(r -> r.handle(create, catalog));
            } else if (command instanceof UpdateRecordCommand update) {
                return records.load(id).invoke(r -> r.handle(update, catalog));
            } else if (command instanceof IncrementRecordCommand increment) {
                return records.load(id).invoke(r -> r.handle(increment, catalog));
            } else if (command instanceof DeleteRecordCommand delete) {
                return records.load(id).invoke(r -> r.handle(delete, catalog));
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create record " + id, e);
        }
        throw new IllegalArgumentException("not an operation's record command: " + command.getClass().getName());
    }
}
