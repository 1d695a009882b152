package io.outpost.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;

/**
 * One local change in the device's queue.
 *
 * @param opId          increasing per device, never reused (survives restarts)
 * @param id            the record's id; a temporary id ({@code tmp-…}) until the server assigns one
 * @param baseVersion   the version the device saw when it wrote the change (0 for a create)
 * @param data          full data of a create, merge patch of an update, {@code null} for a delete
 * @param error         set when {@link OpState#FAILED}
 * @param conflict      set when {@link OpState#CONFLICT}
 * @param group         the op group of the {@link SyncClient#transaction transaction} that queued it: its ops are
 *                      sent together and applied (or failed) as one unit
 * @param schemaVersion the collection schema version the app wrote it in ({@link SyncClient.Builder#schemaVersion}
 *                      when it was queued; sent with it, so an op queued before an app update keeps its shape);
 *                      empty when the app declared none (then the server takes it as its current version)
 */
public record QueuedOperation(long opId, OpType type, String collection, String id, boolean temporaryId,
                              long baseVersion, ObjectNode data, Instant createdAt, OpState state,
                              Optional<OperationError> error, Optional<Conflict> conflict, Optional<String> group,
                              Optional<Integer> schemaVersion) {
}
