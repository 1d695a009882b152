package io.outpost.command.api;

import java.time.Instant;

/** When (client time, or receive time without one) and from which device a record's version was made. */
public record ChangeStamp(Instant timestamp, String deviceId) {

    public static ChangeStamp of(OpContext op) {
        return new ChangeStamp(op.effectiveTimestamp(), op.deviceId());
    }
}
