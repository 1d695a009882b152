package io.outpost.query.pull;

import java.util.Set;

/**
 * One page of a pull.
 *
 * @param after         feed position after which to read ({@link FeedPosition#START} for the first page of a
 *                      snapshot)
 * @param snapshotStart for a snapshot in progress, the feed head when it began: tombstones at or below it are left
 *                      out (the client never had those records); {@link #BEGIN_SNAPSHOT} to begin one now; null for
 *                      an incremental pull
 * @param collections   the collections asked for, empty for all
 * @param seenOpId      the device's progress the previous page vouched for (0 at first)
 * @param cursorEpoch   the feed epoch of the cursor this page continues, null for a first page: when the feed is in
 *                      another epoch now (a rebuild with reset), the page is read as a first page instead
 *                      ({@link ChangesResponse#reset()})
 */
public record FetchChangesQuery(String tenant, String userId, boolean admin, String deviceId, FeedPosition after,
                                FeedPosition snapshotStart, Set<String> collections, int limit, long seenOpId,
                                Long cursorEpoch) {

    public static final FeedPosition BEGIN_SNAPSHOT = new FeedPosition(-1, -1);

    public FetchChangesQuery {
        collections = Set.copyOf(collections);
    }

    /** The first page of a snapshot: no cursor. */
    public static FetchChangesQuery firstPage(String tenant, String userId, boolean admin, String deviceId,
                                              Set<String> collections, int limit) {
        return new FetchChangesQuery(tenant, userId, admin, deviceId, FeedPosition.START, BEGIN_SNAPSHOT, collections,
                limit, 0, null);
    }

    /** The first page of a snapshot, for the same caller, device and collections. */
    FetchChangesQuery fromScratch() {
        return firstPage(tenant, userId, admin, deviceId, collections, limit);
    }
}
