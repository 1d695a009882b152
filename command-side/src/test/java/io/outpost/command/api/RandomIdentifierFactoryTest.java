package io.outpost.command.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.axonframework.common.IdentifierFactory;
import org.axonframework.eventhandling.GenericEventMessage;
import org.junit.jupiter.api.Test;

class RandomIdentifierFactoryTest {

    @Test
    void axonFindsItAndEveryMessageGetsAVersion4Uuid() {
        assertThat(IdentifierFactory.getInstance()).isInstanceOf(RandomIdentifierFactory.class);
        String id = GenericEventMessage.asEventMessage("payload").getIdentifier();
        UUID uuid = UUID.fromString(id);
        assertThat(uuid.version()).isEqualTo(4);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(uuid.toString()).isEqualTo(id);
    }

    @Test
    void identifiersDoNotRepeat() throws InterruptedException {
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Runnable draw = () -> {
            for (int i = 0; i < 100_000; i++) seen.add(IdentifierFactory.getInstance().generateIdentifier());
        };
        Thread other = new Thread(draw);
        other.start();
        draw.run();
        other.join();
        assertThat(seen).hasSize(200_000);
    }
}
