package io.outpost.query.pull;

import java.util.List;

/**
 * A page of changes.
 *
 * @param position         feed position to continue after
 * @param snapshotStart    still set while the snapshot this page belongs to is incomplete
 * @param lastProcessedOpId the highest opId of the device whose effects are all at or below {@code position}
 * @param epoch            the feed epoch the positions belong to
 * @param reset            the query's cursor was of another epoch: this is a first page instead
 */
public record ChangesResponse(List<ChangeRow> changes, FeedPosition position, FeedPosition snapshotStart, boolean hasMore,
                              long lastProcessedOpId, long epoch, boolean reset) {
}
