package io.outpost.api.push;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What an op asks for, as a SHA-256 over its type, collection, id, tempId, baseVersion and data (the data's fields
 * in sorted order, so the order a client wrote them in does not count; the client timestamp is left out, so a client
 * that stamps an op again when it re-sends it is not refused). Stored beside the op's
 * result: a re-send of the same opId with other content is not the same op, and is answered {@code rejected} with
 * {@code op_id_reused} instead of with the first op's result (docs/push.md), as payment APIs treat an idempotency key
 * sent again with other parameters.
 *
 * <p>The digested bytes are the canonical JSON {@code {"baseVersion":…,"collection":…,"data":…,"id":…,"tempId":…,
 * "type":…}} (keys sorted at every level, nulls written): digests stored by earlier versions must still compare equal,
 * so this form never changes. It is streamed into the digest as it is written (no tree, no byte array per op).
 */
final class OpDigest {

    /** Bytes of a digest (SHA-256). */
    static final int LENGTH = 32;

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true)
            .build();

    private static final ThreadLocal<Sink> SINKS = ThreadLocal.withInitial(Sink::new);

    private OpDigest() {
    }

    static byte[] of(PushOperation op) {
        Sink sink = SINKS.get();
        try (JsonGenerator json = CANONICAL.getFactory().createGenerator(sink)) {
            json.writeStartObject();
            json.writeFieldName("baseVersion");
            if (op.baseVersion() == null) json.writeNull(); else json.writeNumber(op.baseVersion());
            json.writeStringField("collection", op.collection());
            json.writeFieldName("data");
            if (op.data() == null) json.writeNull(); else CANONICAL.writeTree(json, op.data());
            json.writeStringField("id", op.id());
            json.writeStringField("tempId", op.tempId());
            json.writeStringField("type", op.rawType());
            json.writeEndObject();
        } catch (IOException e) {
            sink.digest.reset();
            throw new IllegalStateException("cannot digest op " + op.opId(), e);
        }
        return sink.digest.digest();
    }

    /** The thread's SHA-256, fed by the generator as it writes (closing the generator leaves it open). */
    private static final class Sink extends OutputStream {
        final MessageDigest digest;

        Sink() {
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no SHA-256", e);
            }
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
        }
    }
}
