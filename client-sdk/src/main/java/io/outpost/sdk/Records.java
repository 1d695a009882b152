package io.outpost.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.sdk.internal.LocalStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One collection of the local store. Every write changes the local record and queues its op in the same SQLite
 * transaction, then returns; syncing happens later ({@link SyncClient#syncNow()} or a trigger). Reads show the
 * server's last state with this device's pending changes on top.
 */
public final class Records {

    private static final int MAX_ID_LENGTH = 128;
    private static final ObjectMapper MAPS = new ObjectMapper();

    private final SyncClient client;
    private final String collection;
    private final CollectionOptions options;

    Records(SyncClient client, String collection, CollectionOptions options) {
        this.client = client;
        this.collection = collection;
        this.options = options;
    }

    public String name() {
        return collection;
    }

    /**
     * Creates a record with an id of the client's: a random UUID, or, in an {@code id-mode: server} collection, a
     * temporary id that is replaced (here and in every reference to it) when the server assigns the real one.
     */
    public LocalRecord create(ObjectNode data) {
        if (options.serverAssignedIds()) {
            return write(store -> store.create(collection, CollectionOptions.TEMP_ID_PREFIX + UUID.randomUUID(), true,
                    requireData(data), client.now()));
        }
        return create(UUID.randomUUID().toString(), data);
    }

    /** Creates a record with the given id (collections with client ids only). */
    public LocalRecord create(String id, ObjectNode data) {
        if (options.serverAssignedIds()) {
            throw new IllegalArgumentException(collection + " has server-assigned ids: use create(data)");
        }
        checkId(id);
        if (id.startsWith(CollectionOptions.TEMP_ID_PREFIX)) {
            throw new IllegalArgumentException("ids starting with " + CollectionOptions.TEMP_ID_PREFIX
                    + " are reserved for temporary ids");
        }
        return write(store -> store.create(collection, id, false, requireData(data), client.now()));
    }

    /** Applies a JSON Merge Patch of the changed top-level fields ({@code null} removes a field). */
    public LocalRecord update(String id, ObjectNode patch) {
        checkId(id);
        return write(store -> store.update(collection, id, requireData(patch), client.now()));
    }

    /**
     * Adds numeric deltas to counter fields ({@code increment}, contract v1.2): {@code increment("sku-1",
     * Map.of("stock", -2))}. The local record shows the sum at once; the op carries no base version and never
     * conflicts, so increments of several devices all land. The fields must be declared as {@code counters} of the
     * collection on the server (else the op is rejected). The local value is always the server's value plus this
     * device's own deltas the server has not counted yet: never a double count.
     *
     * @throws IllegalArgumentException for an empty map or a delta that is not a finite number
     * @throws IllegalStateException    when the record is not in the local store (or deleted)
     */
    public LocalRecord increment(String id, Map<String, ? extends Number> deltas) {
        checkId(id);
        Objects.requireNonNull(deltas, "deltas");
        if (deltas.isEmpty()) throw new IllegalArgumentException("deltas must name at least one counter");
        ObjectNode node = MAPS.createObjectNode();
        deltas.forEach((field, delta) -> {
            Objects.requireNonNull(field, "a counter's name");
            if (delta == null || delta instanceof Double d && !Double.isFinite(d)
                    || delta instanceof Float f && !Float.isFinite(f)) {
                throw new IllegalArgumentException("the delta of " + field + " must be a finite number, was " + delta);
            }
            node.set(field, MAPS.valueToTree(delta));
        });
        return write(store -> store.increment(collection, id, node, client.now()));
    }

    /**
     * {@link #create(ObjectNode)} with the data as a map (e.g. {@code Map.of("medication", "amoxicillin",
     * "doseMg", 500)}): keys are field names, values anything Jackson writes as JSON (strings, numbers, booleans,
     * lists, maps, records).
     */
    public LocalRecord create(Map<String, ?> data) {
        return create(toObject(data, "data"));
    }

    /** {@link #create(String, ObjectNode)} with the data as a map. */
    public LocalRecord create(String id, Map<String, ?> data) {
        return create(id, toObject(data, "data"));
    }

    /** {@link #update(String, ObjectNode)} with the patch as a map; a {@code null} value removes that field. */
    public LocalRecord update(String id, Map<String, ?> patch) {
        return update(id, toObject(patch, "patch"));
    }

    public void delete(String id) {
        checkId(id);
        write(store -> {
            store.delete(collection, id, client.now());
            return null;
        });
    }

    public Optional<LocalRecord> get(String id) {
        checkId(id);
        return client.store().get(collection, id);
    }

    public List<LocalRecord> list() {
        return list(Filter.ALL);
    }

    public List<LocalRecord> list(Filter filter) {
        return client.store().list(collection, Objects.requireNonNull(filter, "filter"));
    }

    private interface Write<T> {
        T apply(LocalStore store);
    }

    private <T> T write(Write<T> write) {
        T result = write.apply(client.store());
        client.written(collection, result instanceof LocalRecord r ? r.id() : null);
        return result;
    }

    private static ObjectNode toObject(Map<String, ?> values, String what) {
        Objects.requireNonNull(values, what);
        ObjectNode node = MAPS.createObjectNode();
        // put one by one: Map.of refuses null values, but a HashMap may carry them (a merge patch's removal)
        values.forEach((field, value) -> node.set(Objects.requireNonNull(field, what + " field name"),
                MAPS.valueToTree(value)));
        return node;
    }

    private static ObjectNode requireData(ObjectNode data) {
        return Objects.requireNonNull(data, "data").deepCopy();
    }

    private static void checkId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("id must be 1-" + MAX_ID_LENGTH + " characters, not blank");
        }
    }
}
