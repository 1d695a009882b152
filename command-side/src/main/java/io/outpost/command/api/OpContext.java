package io.outpost.command.api;

import java.time.Instant;

/**
 * Who sent an operation and when: the device's opId, the device, the user, the client's own timestamp (may be
 * null) and the server's receive time. Time arrives here so that handlers never read a clock.
 */
public record OpContext(long opId, String deviceId, String userId, Instant clientTimestamp, Instant receivedAt) {

    /** The time last-write-wins compares: the client's timestamp, or the server's receive time without one. */
    public Instant effectiveTimestamp() {
        return clientTimestamp != null ? clientTimestamp : receivedAt;
    }
}
