package io.outpost.sdk;

import java.util.Set;

/**
 * Records of one collection that changed locally ({@link Origin#LOCAL}: a write of this app, a temporary id replaced)
 * or by a sync ({@link Origin#SYNC}: pulled from the server or restored after a refusal).
 *
 * @param ids the ids as they are now; empty when too many changed to list (a snapshot): reload the list
 */
public record DataChange(String collection, Set<String> ids, Origin origin) {

    public enum Origin { LOCAL, SYNC }

    public DataChange {
        ids = Set.copyOf(ids);
    }
}
