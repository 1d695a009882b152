package io.outpost.api.push;

import java.util.Optional;

/** The three kinds of operation. */
enum OpType {
    CREATE("create"), UPDATE("update"), DELETE("delete");

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
