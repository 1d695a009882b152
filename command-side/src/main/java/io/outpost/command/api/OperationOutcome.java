package io.outpost.command.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What became of one operation: the push result without the request's echo fields. {@code data} is the merged
 * state ({@code merged}) or the server's state ({@code conflict}); {@code version} the record's version after the
 * operation (for a conflict: the server's version).
 */
public record OperationOutcome(Status status, long version, ObjectNode data, Conflict conflict, Error error,
                               boolean duplicate) {

    public enum Status { APPLIED, MERGED, CONFLICT, REJECTED }

    /**
     * {@code conflictId} is set only for parked (manual) conflicts; {@code reason} says what made it a conflict
     * ({@link Reason}).
     */
    public record Conflict(String conflictId, String strategy, List<String> fields, Reason reason) {
    }

    /** What made an op a conflict, as the wire's {@code conflict.reason} names it. */
    public enum Reason {
        /** a create named an id that a live record has */
        EXISTS("exists"),
        /** the record was deleted: an update, or a create of the deleted record's id */
        DELETED("deleted"),
        /** {@code baseVersion} is older than the record's version: others changed it since */
        STALE("stale"),
        /** {@code baseVersion} is newer than the record's version (e.g. the server was restored from a backup) */
        AHEAD("ahead");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public record Error(RejectionCode code, String message, List<FieldError> fields) {
    }

    public static OperationOutcome applied(long version) {
        return new OperationOutcome(Status.APPLIED, version, null, null, null, false);
    }

    public static OperationOutcome unchanged(long version) {
        return new OperationOutcome(Status.APPLIED, version, null, null, null, true);
    }

    /** An increment: {@code applied} with the whole record after it (PROTOCOL.md v1.2, Increment). */
    public static OperationOutcome incremented(long version, ObjectNode state) {
        return new OperationOutcome(Status.APPLIED, version, state, null, null, false);
    }

    public static OperationOutcome merged(long version, ObjectNode state) {
        return new OperationOutcome(Status.MERGED, version, state, null, null, false);
    }

    public static OperationOutcome conflict(long version, ObjectNode serverState, String strategy, List<String> fields,
                                            Reason reason) {
        return new OperationOutcome(Status.CONFLICT, version, serverState, new Conflict(null, strategy, fields, reason),
                null, false);
    }

    public static OperationOutcome parked(long version, ObjectNode serverState, String conflictId,
                                          List<String> fields, Reason reason) {
        return new OperationOutcome(Status.CONFLICT, version, serverState,
                new Conflict(conflictId, ConflictStrategy.MANUAL.configName(), fields, reason), null, false);
    }

    public static OperationOutcome rejected(RejectionCode code, String message, List<FieldError> fields) {
        return new OperationOutcome(Status.REJECTED, 0, null, null, new Error(code, message, fields), false);
    }
}
