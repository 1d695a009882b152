package io.outpost.api.config;

import java.util.Optional;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.jpa.JpaEventStorageEngine;

/**
 * Axon's JPA storage engine minus the snapshot look-up that precedes every aggregate load: Outpost takes no snapshots
 * yet, so that query (one database round trip per operation of a push) always came back empty. When hot-record
 * snapshots arrive (ARCHITECTURE.md, 11), this class goes.
 */
class NoSnapshotJpaEventStorageEngine extends JpaEventStorageEngine {

    NoSnapshotJpaEventStorageEngine(Builder builder) {
        super(builder);
    }

    @Override
    public Optional<DomainEventMessage<?>> readSnapshot(String aggregateIdentifier) {
        return Optional.empty();
    }
}
