package io.outpost.api.push;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What an op asks for, as a SHA-256 over its type, collection, id, tempId, baseVersion and data (the data's fields
 * in sorted order, so the order a client wrote them in does not count; the client timestamp is left out, so a client
 * that stamps an op again when it re-sends it is not refused). Stored beside the op's
 * result: a re-send of the same opId with other content is not the same op, and is answered {@code rejected} with
 * {@code op_id_reused} instead of with the first op's result (docs/push.md), as payment APIs treat an idempotency key
 * sent again with other parameters.
 */
final class OpDigest {

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true)
            .build();

    private OpDigest() {
    }

    static byte[] of(PushOperation op) {
        ObjectNode canonical = CANONICAL.createObjectNode();
        canonical.put("type", op.rawType());
        canonical.put("collection", op.collection());
        canonical.put("id", op.id());
        canonical.put("tempId", op.tempId());
        canonical.put("baseVersion", op.baseVersion());
        canonical.set("data", op.data());
        try {
            return MessageDigest.getInstance("SHA-256").digest(CANONICAL.writeValueAsBytes(canonical));
        } catch (NoSuchAlgorithmException | java.io.IOException e) {
            throw new IllegalStateException("cannot digest op " + op.opId(), e);
        }
    }
}
