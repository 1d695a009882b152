package io.outpost.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** How to resolve an open conflict: keep the server's state, take the client's, or custom data. */
public record Resolution(String kind, ObjectNode data) {

    public static Resolution server() {
        return new Resolution("server", null);
    }

    public static Resolution client() {
        return new Resolution("client", null);
    }

    public static Resolution custom(ObjectNode data) {
        return new Resolution("custom", Objects.requireNonNull(data, "data"));
    }
}
