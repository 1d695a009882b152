package io.outpost.api.push;

import java.util.Optional;

/** The kinds of operation ({@code increment}: contract v1.2). */
enum OpType {
    CREATE("create"), UPDATE("update"), DELETE("delete"), INCREMENT("increment");

    final String wire;

    OpType(String wire) {
        this.wire = wire;
    }

    static Optional<OpType> of(String wire) {
        for (OpType t : values()) {
            if (t.wire.equals(wire)) return Optional.of(t);
        }
        return Optional.empty();
    }
}
