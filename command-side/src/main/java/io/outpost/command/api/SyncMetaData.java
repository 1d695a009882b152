package io.outpost.command.api;

import java.util.HashMap;
import java.util.Map;

/** Metadata keys every command and event of an operation carries. */
public final class SyncMetaData {
    public static final String TENANT = "tenant";
    public static final String USER = "userId";
    public static final String DEVICE = "deviceId";
    public static final String OP_ID = "opId";
    public static final String CLIENT_TIMESTAMP = "clientTimestamp";

    private SyncMetaData() {
    }

    /**
     * The metadata of an operation's event: tenant, user, device, opId and (when the client sent one) its timestamp.
     * The record aggregate stamps its events with it, the push service its free-standing rejections.
     */
    public static Map<String, Object> forOperation(String tenant, OpContext op) {
        Map<String, Object> meta = new HashMap<>(8);
        meta.put(TENANT, tenant);
        meta.put(USER, op.userId());
        meta.put(DEVICE, op.deviceId());
        meta.put(OP_ID, op.opId());
        if (op.clientTimestamp() != null) meta.put(CLIENT_TIMESTAMP, op.clientTimestamp().toString());
        return meta;
    }
}
