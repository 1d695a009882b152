package io.outpost.sdk;

import java.util.List;

/**
 * A write the server would reject, refused locally before anything was written or queued: the record's data
 * breaks the collection's JSON Schema ({@code validation_failed}, with the same field paths the server gives,
 * {@code dose}, {@code items[2].sku}), is over the size limit ({@code record_too_large}), changes a field that is
 * not a declared counter ({@code invalid_operation}), or the user may not make it ({@code forbidden}: the
 * collection is append-only, or the user's roles may not write it). The rules are the server's, as
 * {@code GET /collections} last told this store; a collection it has not told (yet) is not checked here.
 *
 * <p>Not a {@link SyncException}: that one says a call to the server did not succeed. This one carries the same
 * {@link OperationError} a rejection by the server would, so an app can show both the same way.
 */
public final class InvalidWriteException extends RuntimeException {

    private final String collection;
    private final String id;
    private final OperationError error;

    public InvalidWriteException(String collection, String id, OperationError error) {
        super(message(collection, id, error));
        this.collection = collection;
        this.id = id;
        this.error = error;
    }

    private static String message(String collection, String id, OperationError error) {
        StringBuilder s = new StringBuilder(error.code()).append(": ").append(collection).append('/').append(id)
                .append(": ").append(error.message());
        for (OperationError.FieldError f : error.fields()) {
            s.append("; ").append(f.field()).append(": ").append(f.message());
        }
        return s.toString();
    }

    public String collection() {
        return collection;
    }

    public String id() {
        return id;
    }

    /** The code, message and fields at fault, as the server's rejection of the op would carry them. */
    public OperationError error() {
        return error;
    }

    /** The fields at fault ({@code dose}, {@code items[2].sku}); empty for a refusal that names none. */
    public List<OperationError.FieldError> fields() {
        return error.fields();
    }
}
