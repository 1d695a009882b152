package io.outpost.command.api;

import java.util.Optional;

/** The rules of each collection; empty for a name the server does not accept. */
@FunctionalInterface
public interface CollectionCatalog {

    Optional<CollectionRules> find(String collection);
}
