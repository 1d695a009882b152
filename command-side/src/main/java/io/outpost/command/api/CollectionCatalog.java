package io.outpost.command.api;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** The rules of each collection; empty for a name the server does not accept. */
@FunctionalInterface
public interface CollectionCatalog {

    Optional<CollectionRules> find(String collection);

    /** The collections declared in configuration (undeclared ones, when allowed, get the defaults). */
    default Collection<CollectionRules> declared() {
        return List.of();
    }
}
