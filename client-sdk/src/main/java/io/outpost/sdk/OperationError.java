package io.outpost.sdk;

import java.util.List;

/**
 * Why the server rejected an op: its {@code code} ({@code validation_failed}, {@code not_found},
 * {@code invalid_reference}, …), message and, for validation errors, the fields at fault.
 */
public record OperationError(String code, String message, List<FieldError> fields) {

    /** A field at fault, as a JSON path ({@code /doseMg}), with what is wrong with it. */
    public record FieldError(String field, String message) {
    }

    public OperationError {
        fields = fields == null ? List.of() : List.copyOf(fields);
    }
}
