package io.outpost.api.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.FieldError;
import java.time.Instant;
import java.util.List;

/**
 * One parsed operation. When {@code problem} is set the operation is malformed and is answered
 * {@code rejected / invalid_operation}; the other fields then hold whatever could be read (for the echo).
 * {@code group}: the op group it belongs to (contract v1.2), or null. {@code schemaVersion}: the collection schema
 * version its data was written in (docs/schema-versions.md), or null for the current one.
 */
record PushOperation(long opId, OpType type, String rawType, String collection, String id, String tempId,
                     Long baseVersion, ObjectNode data, Instant clientTimestamp, Problem problem, String group,
                     Integer schemaVersion) {

    PushOperation(long opId, OpType type, String rawType, String collection, String id, String tempId,
                  Long baseVersion, ObjectNode data, Instant clientTimestamp, Problem problem, String group) {
        this(opId, type, rawType, collection, id, tempId, baseVersion, data, clientTimestamp, problem, group, null);
    }

    PushOperation(long opId, OpType type, String rawType, String collection, String id, String tempId,
                  Long baseVersion, ObjectNode data, Instant clientTimestamp, Problem problem) {
        this(opId, type, rawType, collection, id, tempId, baseVersion, data, clientTimestamp, problem, null);
    }

    record Problem(String message, List<FieldError> fields) {
    }
}
