package io.outpost.api.pull;

import io.outpost.api.push.DeviceIds;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Checks the query parameters of pull, stream and status; anything wrong is a 400 {@code invalid_request}. */
final class PullRequestParams {

    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 1000;

    private PullRequestParams() {
    }

    static String deviceId(String deviceId) {
        if (deviceId == null || !DeviceIds.isValid(deviceId)) {
            throw bad("deviceId", "is required: 1-64 characters of [A-Za-z0-9._:-]");
        }
        return deviceId;
    }

    static int limit(String limit) {
        if (limit == null) return DEFAULT_LIMIT;
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) return value;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw bad("limit", "must be an integer from 1 to " + MAX_LIMIT);
    }

    /** Most a device can report having queued (a push is at most 1,000 ops; a device may hold many pushes). */
    static final long MAX_PENDING_OPS = 1_000_000_000L;

    /** What the device reports of its queue; null when it reports nothing. */
    static Long pendingOps(String pendingOps) {
        if (pendingOps == null) return null;
        try {
            long value = Long.parseLong(pendingOps.trim());
            if (value >= 0 && value <= MAX_PENDING_OPS) return value;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw bad("pendingOps", "must be an integer from 0 to " + MAX_PENDING_OPS);
    }

    /** The sorted, distinct collection names of a comma-separated filter; empty for all. */
    static Set<String> collections(String collections) {
        Set<String> names = new TreeSet<>();
        if (collections == null || collections.isBlank()) return names;
        for (String name : collections.split(",")) {
            String n = name.trim();
            if (!RecordKey.isValidCollection(n)) {
                throw bad("collections", "'" + n + "' is not a collection name ([a-z][a-z0-9_]{0,62})");
            }
            names.add(n);
        }
        return names;
    }

    private static ApiException bad(String field, String message) {
        return new ApiException(ErrorCode.INVALID_REQUEST, field + " " + message,
                List.of(new FieldError(field, message)));
    }
}
