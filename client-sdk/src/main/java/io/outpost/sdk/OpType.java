package io.outpost.sdk;

/** The three kinds of operation of the protocol. */
public enum OpType {
    CREATE, UPDATE, DELETE;

    /** The wire name: {@code create}, {@code update}, {@code delete}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
