package io.outpost.command.api.upcasting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUpdatedEvent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;
import org.axonframework.serialization.upcasting.event.InitialEventRepresentation;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

/** The events as revision 1 stored them (test resources, never changed) read as revision 2. */
class RecordEventUpcastersTest {

    private static final JacksonSerializer SERIALIZER = JacksonSerializer.builder()
            .objectMapper(new ObjectMapper().registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS))
            .build();
    private static final EventUpcasterChain CHAIN = new EventUpcasterChain(new RecordCreatedEvent1To2Upcaster(),
            new RecordUpdatedEvent1To2Upcaster());

    @Test
    void aCreatedEventOfRevision1IsOfSchemaVersion1() throws IOException {
        RecordCreatedEvent e = read(RecordCreatedEvent.class, "1", "RecordCreatedEvent-rev1.json");
        assertEquals(new RecordKey("clinic-a", "pets", "p-1"), e.key());
        assertEquals("Rex", e.data().path("name").asText());
        assertEquals(Instant.parse("2026-11-22T10:00:00Z"), e.stamp().timestamp());
        assertEquals(1, e.schemaVersion());
    }

    @Test
    void anUpdatedEventOfRevision1IsOfSchemaVersion1() throws IOException {
        RecordUpdatedEvent e = read(RecordUpdatedEvent.class, "1", "RecordUpdatedEvent-rev1.json");
        assertEquals(List.of("name"), e.changedFields());
        assertEquals("Rex II", e.state().path("name").asText());
        assertEquals(1, e.schemaVersion());
    }

    @Test
    void revision2IsLeftAsStored() {
        RecordCreatedEvent stored = new RecordCreatedEvent(new RecordKey("clinic-a", "pets", "p-1"), 1,
                new ObjectMapper().createObjectNode().put("fullName", "Rex"), "nurse1", null, 3);
        SerializedObject<byte[]> bytes = SERIALIZER.serialize(stored, byte[].class);
        assertEquals("2", bytes.getType().getRevision());
        RecordCreatedEvent e = upcast(RecordCreatedEvent.class, "2", new String(bytes.getData(),
                StandardCharsets.UTF_8));
        assertEquals(3, e.schemaVersion());
    }

    private static <T> T read(Class<T> type, String revision, String resource) throws IOException {
        try (InputStream in = RecordEventUpcastersTest.class.getResourceAsStream("/events/" + resource)) {
            return upcast(type, revision, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static <T> T upcast(Class<T> type, String revision, String json) {
        GenericDomainEventEntry<byte[]> entry = new GenericDomainEventEntry<>("Record", "clinic-a/pets/p-1", 0,
                "event-1", Instant.parse("2026-11-22T10:00:00Z"), type.getName(), revision,
                json.getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
        List<IntermediateEventRepresentation> upcast = CHAIN.upcast(
                Stream.of(new InitialEventRepresentation(entry, SERIALIZER))).toList();
        assertEquals(1, upcast.size());
        assertEquals("2", upcast.get(0).getType().getRevision());
        return type.cast(SERIALIZER.deserialize(upcast.get(0).getData()));
    }
}
