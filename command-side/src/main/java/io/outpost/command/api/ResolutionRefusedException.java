package io.outpost.command.api;

import java.util.List;

/**
 * A conflict resolution that cannot be carried out. Nothing changed. {@link Reason} tells the caller which answer to
 * give: the conflict is unknown (or not the resolver's to see), already resolved, not the resolver's, or the resulting
 * data is invalid.
 */
public class ResolutionRefusedException extends RuntimeException {

    public enum Reason { UNKNOWN, ALREADY_RESOLVED, NOT_ALLOWED, INVALID_DATA }

    private final Reason reason;
    private final List<FieldError> fields;

    public ResolutionRefusedException(Reason reason, String message, List<FieldError> fields) {
        super(message, null, false, false);
        this.reason = reason;
        this.fields = List.copyOf(fields);
    }

    public Reason reason() {
        return reason;
    }

    public List<FieldError> fields() {
        return fields;
    }
}
