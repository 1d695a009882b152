package io.outpost.command.api;

import com.fasterxml.jackson.annotation.JsonValue;

/** The op-level error codes of a {@code rejected} result (PROTOCOL.md, Push). */
public enum RejectionCode {
    VALIDATION_FAILED("validation_failed"),
    UNKNOWN_COLLECTION("unknown_collection"),
    NOT_FOUND("not_found"),
    INVALID_REFERENCE("invalid_reference"),
    RECORD_TOO_LARGE("record_too_large"),
    INVALID_OPERATION("invalid_operation"),
    /** An opId re-sent with other content than the op first sent under it (docs/push.md; beyond the contract). */
    OP_ID_REUSED("op_id_reused"),
    /** Another op of the same group failed, so no op of the group was applied (contract v1.2, Op groups). */
    GROUP_FAILED("group_failed"),
    /** The caller's roles may not make this op on this collection (contract v1.2, permissions per collection). */
    FORBIDDEN("forbidden");

    private final String wire;

    RejectionCode(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
