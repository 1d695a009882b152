package io.outpost.sdk;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A simple filter for {@link Records#list(Filter)}: top-level fields equal to values, all of which must match.
 * {@code Filter.where("patientId", "p-1").and("status", "open")}.
 */
public final class Filter {

    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /** Matches every record. */
    public static final Filter ALL = new Filter(List.of());

    /** One field condition; {@code value} is a String, Number, Boolean or {@code null} (field missing or null). */
    public record Condition(String field, Object value) {
    }

    private final List<Condition> conditions;

    private Filter(List<Condition> conditions) {
        this.conditions = List.copyOf(conditions);
    }

    public static Filter where(String field, Object value) {
        return ALL.and(field, value);
    }

    public Filter and(String field, Object value) {
        Objects.requireNonNull(field, "field");
        if (!FIELD.matcher(field).matches()) {
            throw new IllegalArgumentException("filter field must match " + FIELD + ", was: " + field);
        }
        if (value != null && !(value instanceof String || value instanceof Number || value instanceof Boolean)) {
            throw new IllegalArgumentException("filter value for " + field + " must be a String, Number, Boolean or null");
        }
        List<Condition> next = new ArrayList<>(conditions);
        next.add(new Condition(field, value));
        return new Filter(next);
    }

    public List<Condition> conditions() {
        return conditions;
    }
}
