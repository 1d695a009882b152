package io.outpost.api.pull;

import io.outpost.query.pull.FeedPosition;

/**
 * What a pull cursor holds. Opaque to clients; {@link CursorCodec} signs it.
 *
 * @param snapshotStart set while a snapshot is still being paged (tombstones up to it are left out)
 * @param seenOpId      the device's lastProcessedOpId the issuing page vouched for
 * @param collections   the sorted, comma-joined collections filter it was issued for ("" for all)
 */
record Cursor(long epoch, FeedPosition position, FeedPosition snapshotStart, long seenOpId, String collections) {
}
