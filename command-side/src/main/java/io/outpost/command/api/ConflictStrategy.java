package io.outpost.command.api;

import java.util.Arrays;
import java.util.Optional;

/** A collection's {@code conflict-strategy} (and, for merge, its {@code on-overlap}), by their configuration names. */
public enum ConflictStrategy {
    REJECT("reject"),
    MERGE("merge"),
    CLIENT_WINS("client-wins"),
    LAST_WRITE_WINS("last-write-wins"),
    MANUAL("manual");

    private final String configName;

    ConflictStrategy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<ConflictStrategy> byName(String name) {
        return Arrays.stream(values()).filter(s -> s.configName.equals(name)).findFirst();
    }
}
