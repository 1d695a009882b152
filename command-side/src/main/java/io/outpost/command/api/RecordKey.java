package io.outpost.command.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identity of one record: {@code (tenant, collection, id)}. Its {@link #toString()} is the record aggregate's
 * identifier, {@code tenant/collection/id}, which is unambiguous because tenants and collections never hold a
 * slash (the id, last, may).
 */
public record RecordKey(String tenant, String collection, String id) {

    public static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    public static final Pattern COLLECTION = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    /** Longest record id accepted; the aggregate identifier column holds 255 characters. */
    public static final int MAX_ID_LENGTH = 128;

    public RecordKey {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(id, "id");
        if (!TENANT.matcher(tenant).matches()) throw new IllegalArgumentException("invalid tenant");
        if (!COLLECTION.matcher(collection).matches()) throw new IllegalArgumentException("invalid collection");
        if (!isValidId(id)) throw new IllegalArgumentException("invalid record id");
    }

    /** 1–128 characters, no control characters. */
    public static boolean isValidId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) return false;
        return id.chars().noneMatch(Character::isISOControl);
    }

    /** The id a JSON value names: a string, or an integer meaning its decimal string (PROTOCOL.md); else null. */
    public static String idText(com.fasterxml.jackson.databind.JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isIntegralNumber()) return n.bigIntegerValue().toString();
        return null;
    }

    public static RecordKey parse(String aggregateIdentifier) {
        int first = aggregateIdentifier.indexOf('/');
        int second = aggregateIdentifier.indexOf('/', first + 1);
        if (first < 0 || second < 0) throw new IllegalArgumentException("not a record key: " + aggregateIdentifier);
        return new RecordKey(aggregateIdentifier.substring(0, first),
                aggregateIdentifier.substring(first + 1, second), aggregateIdentifier.substring(second + 1));
    }

    @Override
    public String toString() {
        return tenant + "/" + collection + "/" + id;
    }
}
