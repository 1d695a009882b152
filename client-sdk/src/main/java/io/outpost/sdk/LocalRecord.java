package io.outpost.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A record as the app sees it: the server's last confirmed state with this device's pending changes on top.
 *
 * @param version the server version it is based on (0: never confirmed by the server)
 * @param pending whether local changes of it are still waiting to be synced
 */
public record LocalRecord(String collection, String id, ObjectNode data, long version, boolean pending) {

    /** Whether the id is a temporary one that the server will replace ({@code id-mode: server}). */
    public boolean temporaryId() {
        return id.startsWith(CollectionOptions.TEMP_ID_PREFIX);
    }
}
