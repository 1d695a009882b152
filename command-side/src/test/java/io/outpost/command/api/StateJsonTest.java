package io.outpost.command.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.junit.jupiter.api.Test;

class StateJsonTest {

    private static ObjectNode state(String name) {
        return JsonNodeFactory.instance.objectNode().put("name", name).put("dose", 2.5);
    }

    @Test
    void aStateWrittenInAUnitOfWorkIsFoundByIdentityThereAndNowhereElse() {
        ObjectNode written = state("Zoë");
        UnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        try {
            StateJson.Text text = StateJson.write(written);
            assertThat(text.json()).isEqualTo("{\"name\":\"Zoë\",\"dose\":2.5}");
            assertThat(text.utf8()).isEqualTo(text.json().getBytes(StandardCharsets.UTF_8));
            assertThat(StateJson.of(written)).isSameAs(text);
            // an equal state that is another object was not written here: made afresh, same text
            ObjectNode equal = state("Zoë");
            assertThat(StateJson.of(equal)).isNotSameAs(text);
            assertThat(StateJson.of(equal).json()).isEqualTo(text.json());
        } finally {
            uow.commit();
        }
        // the unit of work is over: nothing is remembered
        StateJson.Text after = StateJson.of(written);
        assertThat(after.json()).isEqualTo("{\"name\":\"Zoë\",\"dose\":2.5}");
    }

    @Test
    void theModuleCopiesAWrittenStateAndWritesAnyOtherNodeItself() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .registerModule(StateJson.module());
        ObjectNode state = state("a");
        ObjectNode other = state("b");
        RecordKey key = new RecordKey("t", "patients", "p-1");
        UnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        String inside;
        try {
            StateJson.write(state);
            // a written state is not changed afterwards; changing it here shows which of the two was serialised
            state.put("name", "changed after it was written");
            inside = mapper.writeValueAsString(new RecordUpdatedEvent(key, 2, other, state, java.util.List.of("name"),
                    null, null, 1));
        } finally {
            uow.commit();
        }
        com.fasterxml.jackson.databind.JsonNode tree = mapper.readTree(inside);
        assertThat(tree.get("state").toString()).isEqualTo("{\"name\":\"a\",\"dose\":2.5}");
        assertThat(tree.get("patch")).isEqualTo(other);
        // outside the unit of work nothing is remembered: the node as it is, byte for byte what Jackson writes
        String outside = mapper.writeValueAsString(new RecordUpdatedEvent(key, 2, other, state,
                java.util.List.of("name"), null, null, 1));
        assertThat(outside).isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                new RecordUpdatedEvent(key, 2, other, state, java.util.List.of("name"), null, null, 1)));
        assertThat(mapper.readTree(outside).get("state").get("name").asText()).isEqualTo("changed after it was written");
    }

    @Test
    void onlyATextWithoutSurrogatesIsRemembered() {
        ObjectNode lone = JsonNodeFactory.instance.objectNode().put("name", "a\ud800");
        UnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        try {
            StateJson.Text text = StateJson.write(lone);
            assertThat(text.unicode()).isFalse();
            assertThat(StateJson.remembered(lone)).isNull();
            assertThat(StateJson.write(state("a")).unicode()).isTrue();
            // an emoji is Unicode, but Jackson's UTF-8 generator writes it escaped: not copied either
            ObjectNode emoji = JsonNodeFactory.instance.objectNode().put("name", "💊");
            assertThat(StateJson.write(emoji).unicode()).isTrue();
            assertThat(StateJson.write(emoji).copyable()).isFalse();
            assertThat(StateJson.remembered(emoji)).isNull();
            ObjectNode bmp = JsonNodeFactory.instance.objectNode().put("name", "Zoë ✓ 中文");
            assertThat(StateJson.write(bmp).copyable()).isTrue();
            assertThat(StateJson.remembered(bmp)).isNotNull();
        } finally {
            uow.commit();
        }
    }

    @Test
    void withoutAUnitOfWorkEachCallWrites() {
        ObjectNode s = state("a");
        StateJson.Text first = StateJson.write(s);
        assertThat(StateJson.of(s)).isNotSameAs(first);
        assertThat(StateJson.of(s).json()).isEqualTo(first.json());
    }
}
