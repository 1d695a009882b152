package io.outpost.sdk;

/** The kinds of operation of the protocol ({@code increment}: v1.2). */
public enum OpType {
    CREATE, UPDATE, DELETE, INCREMENT;

    /** The wire name: {@code create}, {@code update}, {@code delete}, {@code increment}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
