package io.outpost.command.record;

import java.util.HashMap;
import org.axonframework.modelling.command.Aggregate;

/**
 * The map in which Axon's repository keeps the aggregates a unit of work manages ({@code AbstractRepository}: a
 * resource of the root unit of work under {@code "<repository>_AGGREGATES"}, a plain {@code HashMap} when Axon makes
 * it), with one change: {@link #containsValue} finds an aggregate by its identifier instead of scanning every entry.
 * Axon asks it once per aggregate when the unit of work commits, so a push of n ops scanned n²/2 entries (2.7 % of the
 * request threads' CPU in issue 16's tenth step). Everything else is {@code HashMap}'s; an aggregate kept under
 * another key than its identifier is still found, by the scan.
 */
final class ManagedAggregates extends HashMap<String, Object> {

    /** The resource key Axon's {@code AbstractRepository} gives its map: its own {@code toString()} and a suffix. */
    static String resourceKey(Object repository) {
        return repository + "_AGGREGATES";
    }

    @Override
    public boolean containsValue(Object value) {
        if (value instanceof Aggregate<?> aggregate) {
            String id = aggregate.identifierAsString();
            if (id != null && get(id) == value) return true;
        }
        return super.containsValue(value);
    }
}
