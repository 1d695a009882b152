package io.outpost.command.api;

/** One problem with one field: {@code field} is a JSON path into the data (e.g. {@code dose} or {@code items[2].sku}). */
public record FieldError(String field, String message) {
}
