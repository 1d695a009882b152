package io.outpost.command.api;

/** Metadata keys every command and event of an operation carries. */
public final class SyncMetaData {
    public static final String TENANT = "tenant";
    public static final String USER = "userId";
    public static final String DEVICE = "deviceId";
    public static final String OP_ID = "opId";
    public static final String CLIENT_TIMESTAMP = "clientTimestamp";

    private SyncMetaData() {
    }
}
