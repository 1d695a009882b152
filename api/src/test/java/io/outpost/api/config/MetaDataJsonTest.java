package io.outpost.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import io.outpost.api.support.ServerTest;
import io.outpost.command.api.EventChain;
import io.outpost.command.api.OpContext;
import io.outpost.command.api.SyncMetaData;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.axonframework.messaging.MetaData;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * The metadata the event store's append writes itself is byte for byte what the server's event serializer writes,
 * escapes included, and metadata of other kinds is left to the serializer.
 */
class MetaDataJsonTest extends ServerTest {

    @Autowired
    @Qualifier("eventSerializer")
    Serializer events;

    private byte[] serialized(MetaData meta) {
        return events.serialize(meta, byte[].class).getData();
    }

    private JsonFactory factory() {
        return ((JacksonSerializer) events).getObjectMapper().getFactory();
    }

    @Test
    void anOperationsMetadataIsWrittenAsTheSerializerWritesIt() {
        Map<String, Object> meta = SyncMetaData.forOperation("t-1", new OpContext(42, "dev-1", "nurse-1",
                Instant.parse("2026-12-06T08:15:00.123Z"), Instant.now()));
        meta.put(EventChain.META_KEY, "ab".repeat(32));
        MetaData metaData = MetaData.from(meta);
        assertThat(MetaDataJson.of(metaData, factory())).isEqualTo(serialized(metaData));
    }

    @Test
    void textThatNeedsEscapesAndOtherNumbersToo() {
        Map<String, Object> meta = new HashMap<>();
        meta.put("tenant", "t\"1\\");
        meta.put("userId", "Zoë 💊\n\t\u0001");
        meta.put("deviceId", "");
        meta.put("opId", Integer.MAX_VALUE);
        meta.put("big", Long.MIN_VALUE);
        meta.put("flag", true);
        MetaData metaData = MetaData.from(meta);
        assertThat(MetaDataJson.of(metaData, factory())).isEqualTo(serialized(metaData));
        assertThat(MetaDataJson.of(MetaData.emptyInstance(), factory())).isEqualTo(serialized(MetaData.emptyInstance()));
    }

    @Test
    void otherValuesAreLeftToTheSerializer() {
        assertThat(MetaDataJson.of(MetaData.with("at", Instant.EPOCH), factory())).isNull();
        assertThat(MetaDataJson.of(MetaData.with("n", 1.5), factory())).isNull();
        Map<String, Object> withNull = new HashMap<>();
        withNull.put("tenant", null);
        assertThat(MetaDataJson.of(withNull, factory())).isNull();
    }
}
