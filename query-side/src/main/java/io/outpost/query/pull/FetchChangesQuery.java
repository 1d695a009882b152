package io.outpost.query.pull;

import java.util.Set;

/**
 * One page of a pull.
 *
 * @param after         feed position after which to read (0 for the first page of a snapshot)
 * @param snapshotStart for a snapshot in progress, the feed head when it began: tombstones at or below it are left
 *                      out (the client never had those records); {@link #BEGIN_SNAPSHOT} to begin one now; null for
 *                      an incremental pull
 * @param collections   the collections asked for, empty for all
 * @param seenOpId      the device's progress the previous page vouched for (0 at first)
 */
public record FetchChangesQuery(String tenant, String userId, boolean admin, String deviceId, long after,
                                Long snapshotStart, Set<String> collections, int limit, long seenOpId) {

    public static final long BEGIN_SNAPSHOT = -1;

    public FetchChangesQuery {
        collections = Set.copyOf(collections);
    }
}
