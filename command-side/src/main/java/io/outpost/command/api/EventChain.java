package io.outpost.command.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Tamper evidence: every event of a record carries, in its metadata under {@link #META_KEY}, the SHA-256 of the
 * previous event's hash, the event's type and its canonical JSON. The record aggregate computes it (deterministic, no
 * clock) and recomputes it when it replays its stream; verification recomputes it from the stored events and compares.
 *
 * <p>Stored events are never rewritten, and an older revision is read through an upcaster, so the hash must not change
 * with a revision: a field a later revision added is left out of the canonical JSON while it holds the value the
 * upcaster gives older events ({@code schemaVersion} 1 of {@link RecordCreatedEvent} and {@link RecordUpdatedEvent},
 * revision 2). Chains stored before the field existed verify, and a new event of the first schema version hashes as it
 * always did.
 */
public final class EventChain {

    public static final String META_KEY = "hash";
    /** The hash before a record's first event. */
    public static final String GENESIS = "0".repeat(64);

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .addMixIn(RecordCreatedEvent.class, FirstSchemaVersionUnhashed.class)
            .addMixIn(RecordUpdatedEvent.class, FirstSchemaVersionUnhashed.class)
            // a state the record aggregate wrote in this unit of work is copied from its text: the same bytes as the
            // tree writes (an object node's fields keep their order here too; EventChainTest pins it), once less
            .addModule(StateJson.module())
            .build();

    /** Leaves {@code schemaVersion} 1 (what revision 1 of the event meant) out of the hashed JSON. */
    private abstract static class FirstSchemaVersionUnhashed {
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = IsOne.class)
        abstract int schemaVersion();
    }

    /** Jackson's custom inclusion filter: a value equal to this one is left out. */
    private static final class IsOne {
        @Override
        public boolean equals(Object value) {
            return value instanceof Integer i && i == 1;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    private EventChain() {
    }

    public static String next(String previous, Object event) {
        MessageDigest sha = DIGESTS.get();
        try {
            sha.update((previous == null ? GENESIS : previous).getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) '\n');
            sha.update(event.getClass().getName().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            // the canonical JSON streamed into the digest as it is written (no byte array per event)
            CANONICAL.writeValue(new DigestOutputStream(OutputStream.nullOutputStream(), sha), event);
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            sha.reset();
            throw new IllegalStateException("cannot hash event " + event.getClass().getSimpleName(), e);
        }
    }

    /** One SHA-256 per thread, reset by each {@code digest()}. */
    private static final ThreadLocal<MessageDigest> DIGESTS = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    });
}
