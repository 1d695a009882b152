package io.outpost.sdk;

import java.util.Map;
import java.util.Set;

/**
 * Records of one collection that changed locally ({@link Origin#LOCAL}: a write of this app, a temporary id replaced)
 * or by a sync ({@link Origin#SYNC}: pulled from the server or restored after a refusal).
 *
 * @param ids         the ids as they are now; empty when too many changed to list (a snapshot): reload the list
 * @param replacedIds temporary id → the id the server assigned, for records of this collection whose temporary id
 *                    was replaced by this change (an app that held a {@code tmp-…} id follows it here)
 */
public record DataChange(String collection, Set<String> ids, Origin origin, Map<String, String> replacedIds) {

    public enum Origin { LOCAL, SYNC }

    public DataChange {
        ids = Set.copyOf(ids);
        replacedIds = Map.copyOf(replacedIds == null ? Map.of() : replacedIds);
    }

    public DataChange(String collection, Set<String> ids, Origin origin) {
        this(collection, ids, origin, Map.of());
    }
}
