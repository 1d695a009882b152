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
        if (!isValidTenant(tenant)) throw new IllegalArgumentException("invalid tenant");
        if (!isValidCollection(collection)) throw new IllegalArgumentException("invalid collection");
        if (!isValidId(id)) throw new IllegalArgumentException("invalid record id");
    }

    // Keys are made for every op and every event the projections read: the checks below are plain loops, the same
    // rules as TENANT and COLLECTION without a Matcher per call (RecordKeyTest holds them equal). Every check of a
    // tenant or collection name in the server calls them, so the rule has one spelling in code.

    /** {@link #TENANT}: 1–64 characters of {@code [A-Za-z0-9._:-]}. */
    public static boolean isValidTenant(String tenant) {
        int n = tenant.length();
        if (n < 1 || n > 64) return false;
        for (int i = 0; i < n; i++) {
            char c = tenant.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                    || c == ':' || c == '-')) return false;
        }
        return true;
    }

    /** {@link #COLLECTION}: a lower-case letter, then up to 62 of {@code [a-z0-9_]}. */
    public static boolean isValidCollection(String collection) {
        int n = collection.length();
        if (n < 1 || n > 63) return false;
        char first = collection.charAt(0);
        if (first < 'a' || first > 'z') return false;
        for (int i = 1; i < n; i++) {
            char c = collection.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) return false;
        }
        return true;
    }

    /**
     * 1–128 characters, no control characters, and {@link UnicodeText Unicode text} (the database driver would store
     * half a surrogate pair as {@code ?}: another id).
     */
    public static boolean isValidId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) return false;
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) return false;
        }
        return !UnicodeText.hasUnpairedSurrogate(id);
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
