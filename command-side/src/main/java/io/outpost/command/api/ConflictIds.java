package io.outpost.command.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Conflict ids name the record and the operation: {@code c.<base64url(collection/id)>.<opId>.<deviceId>}. They are
 * deterministic (no randomness in the aggregate), unique within a tenant (a device's opIds are), and let a resolution
 * go straight to the record's aggregate without a look-up; the tenant always comes from the caller's token.
 */
public final class ConflictIds {

    private ConflictIds() {
    }

    public static String of(RecordKey key, OpContext op) {
        String record = Base64.getUrlEncoder().withoutPadding()
                .encodeToString((key.collection() + "/" + key.id()).getBytes(StandardCharsets.UTF_8));
        return "c." + record + "." + op.opId() + "." + op.deviceId();
    }

    /** The record a conflict id names, in the caller's tenant; empty when the id is not one of ours. */
    public static Optional<RecordKey> record(String tenant, String conflictId) {
        if (conflictId == null || conflictId.length() > 512 || !conflictId.startsWith("c.")) return Optional.empty();
        String[] parts = conflictId.split("\\.", 4);
        if (parts.length != 4) return Optional.empty();
        try {
            String record = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            int slash = record.indexOf('/');
            if (slash < 0) return Optional.empty();
            return Optional.of(new RecordKey(tenant, record.substring(0, slash), record.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
