package io.outpost.api.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.command.api.FieldError;
import io.outpost.command.api.RecordKey;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a push body. Problems that make the whole push unusable (not an object, bad deviceId, a missing or
 * non-increasing opId, more than {@value #MAX_OPERATIONS} ops) are request-level 400s that change nothing. Problems
 * inside one identifiable operation only reject that operation ({@code invalid_operation}), so that one malformed
 * op cannot block a device's queue forever.
 */
final class PushRequestParser {

    static final int MAX_OPERATIONS = 1000;

    private PushRequestParser() {
    }

    static PushRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "the body must be a JSON object");
        }
        JsonNode device = body.get("deviceId");
        if (device == null || !device.isTextual() || !DeviceIds.isValid(device.asText())) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "deviceId must be 1-64 characters of [A-Za-z0-9._:-]",
                    List.of(new FieldError("deviceId", "must be 1-64 characters of [A-Za-z0-9._:-]")));
        }
        JsonNode ops = body.get("operations");
        if (ops == null || !ops.isArray()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "operations must be an array",
                    List.of(new FieldError("operations", "must be an array")));
        }
        if (ops.size() > MAX_OPERATIONS) {
            throw new ApiException(ErrorCode.TOO_MANY_OPERATIONS, "a push holds at most " + MAX_OPERATIONS
                    + " operations; this one has " + ops.size() + ". Split it into several pushes.");
        }
        List<PushOperation> parsed = new ArrayList<>(ops.size());
        long previous = 0;
        java.util.Set<String> closedGroups = new java.util.HashSet<>();
        String openGroup = null;
        for (int i = 0; i < ops.size(); i++) {
            JsonNode op = ops.get(i);
            String path = "operations[" + i + "]";
            if (!op.isObject()) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, path + " must be an object",
                        List.of(new FieldError(path, "must be an object")));
            }
            JsonNode opIdNode = op.get("opId");
            if (opIdNode == null || !opIdNode.isIntegralNumber() || !opIdNode.canConvertToLong()
                    || opIdNode.asLong() <= 0) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, path + ".opId must be an integer > 0",
                        List.of(new FieldError(path + ".opId", "must be an integer > 0")));
            }
            long opId = opIdNode.asLong();
            if (opId <= previous) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "opIds must be strictly increasing within a push: "
                        + path + ".opId is " + opId + " after " + previous,
                        List.of(new FieldError(path + ".opId", "must be greater than " + previous)));
            }
            previous = opId;
            String group = group(op.get("group"), path);
            if (openGroup != null && !openGroup.equals(group)) closedGroups.add(openGroup);
            if (group != null && closedGroups.contains(group)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "the ops of group " + group + " must be contiguous: "
                        + path + " comes after other ops", List.of(new FieldError(path + ".group",
                        "group " + group + " was interrupted by other ops")));
            }
            openGroup = group;
            parsed.add(operation(opId, (ObjectNode) op, group));
        }
        return new PushRequest(device.asText(), parsed);
    }

    private static final java.util.regex.Pattern GROUP = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** A group name (contract v1.2): a malformed one makes the whole push unusable, as a split group does. */
    private static String group(JsonNode group, String path) {
        if (group == null || group.isNull()) return null;
        if (!group.isTextual() || !GROUP.matcher(group.asText()).matches()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, path + ".group must be 1-64 characters of "
                    + "[A-Za-z0-9._:-]", List.of(new FieldError(path + ".group", "must be 1-64 characters of "
                    + "[A-Za-z0-9._:-]")));
        }
        return group.asText();
    }

    private static PushOperation operation(long opId, ObjectNode op, String group) {
        List<FieldError> errors = new ArrayList<>();
        String rawType = text(op, "type");
        OpType type = rawType == null ? null : OpType.of(rawType).orElse(null);
        if (type == null) errors.add(new FieldError("type", "must be one of create, update, delete, increment"));

        String collection = text(op, "collection");
        if (collection == null || !RecordKey.isValidCollection(collection)) {
            errors.add(new FieldError("collection", "must match [a-z][a-z0-9_]{0,62}"));
        }
        String id = RecordKey.idText(op.get("id"));
        if (op.hasNonNull("id") && (id == null || !RecordKey.isValidId(id))) {
            errors.add(new FieldError("id", "must be a string (or integer) of 1-" + RecordKey.MAX_ID_LENGTH
                    + " characters without control characters or unpaired surrogates"));
        }
        String tempId = RecordKey.idText(op.get("tempId"));
        if (op.hasNonNull("tempId") && (tempId == null || !RecordKey.isValidId(tempId))) {
            errors.add(new FieldError("tempId", "must be a string of 1-" + RecordKey.MAX_ID_LENGTH + " characters"));
        }
        if (type != null && type != OpType.CREATE && id == null) {
            errors.add(new FieldError("id", "is required for " + type.wire));
        }
        if (type == OpType.CREATE && id == null && tempId == null) {
            errors.add(new FieldError("id", "is required (or tempId in collections with id-mode server)"));
        }

        ObjectNode data = null;
        JsonNode dataNode = op.get("data");
        if (type == OpType.DELETE) {
            if (dataNode != null && !dataNode.isNull()) errors.add(new FieldError("data", "must be absent for delete"));
        } else if (type != null) {
            if (dataNode == null || !dataNode.isObject()) {
                errors.add(new FieldError("data", "must be a JSON object"));
            } else if (holdsNul(dataNode)) {
                // PostgreSQL's jsonb (the conflicts list, a rebuild's comparison) cannot hold U+0000
                errors.add(new FieldError("data", "must not contain the character U+0000 in a key or string"));
            } else {
                data = (ObjectNode) dataNode;
                if (type == OpType.INCREMENT) {
                    data.fields().forEachRemaining(f -> {
                        if (!f.getValue().isNumber()) {
                            errors.add(new FieldError("data." + f.getKey(), "must be a number (the delta to add)"));
                        }
                    });
                    if (data.isEmpty()) errors.add(new FieldError("data", "must name at least one counter"));
                }
            }
        }

        Long baseVersion = null;
        JsonNode base = op.get("baseVersion");
        if (type == OpType.INCREMENT && base != null && !base.isNull()) {
            errors.add(new FieldError("baseVersion", "must be absent for increment (increments never conflict)"));
        }
        if (type == OpType.UPDATE || type == OpType.DELETE) {
            if (base == null || !base.isIntegralNumber() || !base.canConvertToLong() || base.asLong() < 1) {
                errors.add(new FieldError("baseVersion", "must be an integer >= 1 for " + type.wire));
            } else {
                baseVersion = base.asLong();
            }
        }

        Instant clientTimestamp = null;
        JsonNode ts = op.get("clientTimestamp");
        if (ts != null && !ts.isNull()) {
            clientTimestamp = ts.isTextual() ? instant(ts.asText()) : null;
            if (clientTimestamp == null) {
                errors.add(new FieldError("clientTimestamp", "must be an ISO-8601 time with offset, e.g. "
                        + "2026-11-22T10:00:00Z"));
            }
        }
        Integer schemaVersion = null;
        JsonNode sv = op.get("schemaVersion");
        if (sv != null && !sv.isNull()) {
            if (!sv.isIntegralNumber() || !sv.canConvertToInt() || sv.asInt() < 1) {
                errors.add(new FieldError("schemaVersion", "must be an integer >= 1 (the collection's schema version "
                        + "the data was written in)"));
            } else {
                schemaVersion = sv.asInt();
            }
        }
        PushOperation.Problem problem = errors.isEmpty() ? null
                : new PushOperation.Problem("malformed operation: " + errors.get(0).field() + " "
                + errors.get(0).message(), errors);
        // A malformed op's answer (stored for duplicates) echoes its collection, id and tempId only when they are
        // valid: an invalid one may hold anything, a NUL character too, which PostgreSQL cannot store.
        if (problem != null) {
            if (collection != null && !RecordKey.isValidCollection(collection)) collection = null;
            if (id != null && !RecordKey.isValidId(id)) id = null;
            if (tempId != null && !RecordKey.isValidId(tempId)) tempId = null;
        }
        return new PushOperation(opId, type, rawType, collection, id, tempId, baseVersion, data, clientTimestamp,
                problem, group, schemaVersion);
    }

    private static boolean holdsNul(JsonNode node) {
        if (node.isTextual()) return node.textValue().indexOf('\u0000') >= 0;
        if (node.isArray()) {
            for (JsonNode child : node) if (holdsNul(child)) return true;
        } else if (node.isObject()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var field = it.next();
                if (field.getKey().indexOf('\u0000') >= 0 || holdsNul(field.getValue())) return true;
            }
        }
        return false;
    }

    private static String text(JsonNode op, String field) {
        JsonNode n = op.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }


    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
