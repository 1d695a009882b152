package io.outpost.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * A {@code conflict} answer for one of this device's ops, as given to the {@link ConflictHandler}.
 *
 * @param serverData    the record's state on the server ({@code null} when it is deleted there)
 * @param serverVersion the record's version on the server
 * @param localAttempt  what this device tried: full data (create) or merge patch (update); {@code null} for a delete
 * @param fields        overlapping fields, when the strategy names them
 * @param strategy      the collection's strategy that refused the op, when the server says
 * @param conflictId    present when the server parked it as an open conflict ({@code manual}); resolvable with
 *                      {@link SyncClient#resolve}
 * @param reason        what made it a conflict, when the server says: {@code exists} (a create of an id that a live
 *                      record has), {@code deleted} (the record was deleted), {@code stale} (others changed the
 *                      record since {@code baseVersion}) or {@code ahead} ({@code baseVersion} is newer than the
 *                      server's version, e.g. after a restore from a backup)
 */
public record Conflict(long opId, OpType type, String collection, String id, long baseVersion,
                       ObjectNode serverData, long serverVersion, boolean serverDeleted, ObjectNode localAttempt,
                       List<String> fields, Optional<String> strategy, Optional<String> conflictId,
                       Optional<String> reason) {
    public Conflict {
        fields = List.copyOf(fields);
    }
}
