package io.outpost.api.collections;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/collections}: the configured collections as a client needs them, per the caller's roles. */
class CollectionsApiTest extends ServerTest {

    private JsonNode collections(Role... roles) {
        HttpResponse<String> r = get(token(anyTenant(), "u-1", roles), "/api/v1/collections");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    @Test
    void everyDeclaredCollectionComesWithItsSchemaAndRulesByName() {
        JsonNode all = collections(Role.USER);
        List<String> names = new ArrayList<>();
        all.path("collections").fieldNames().forEachRemaining(names::add);
        assertThat(names).contains("notes", "pets", "appointments", "dispenses").isSorted();

        JsonNode appointments = all.path("collections").path("appointments");
        assertThat(appointments.path("idMode").asText()).isEqualTo("server");
        assertThat(appointments.path("visibility").asText()).isEqualTo("tenant");
        assertThat(appointments.path("conflictStrategy").asText()).isEqualTo("merge");
        assertThat(appointments.path("references").path("petId").asText()).isEqualTo("pets");
        assertThat(appointments.path("derived").get(0).asText()).as("computed by the server").isEqualTo("clientId");
        assertThat(all.path("collections").path("products").path("counters").toString())
                .isEqualTo("[\"stock\",\"visits\",\"weightKg\"]");
        assertThat(appointments.path("schema").path("type").asText()).as("the schema document itself")
                .isEqualTo("object");
        assertThat(appointments.path("canWrite").asBoolean()).isTrue();
        assertThat(appointments.path("appendOnly").asBoolean()).isFalse();

        JsonNode pets = all.path("collections").path("pets");
        assertThat(pets.path("visibility").asText()).isEqualTo("owner");
        assertThat(pets.path("ownerField").asText()).isEqualTo("ownerId");
        assertThat(pets.has("schema")).as("no schema configured, none sent").isFalse();
        assertThat(all.has("allowUndeclared")).isTrue();
    }

    @Test
    void anAuditorSeesTheCollectionsButMayNotWriteThem() {
        JsonNode notes = collections(Role.AUDITOR).path("collections").path("notes");
        assertThat(notes.path("canWrite").asBoolean()).isFalse();
        assertThat(notes.path("conflictStrategy").asText()).isEqualTo("reject");
    }

    @Test
    void withoutATokenIt401s() {
        HttpResponse<String> r = get(null, "/api/v1/collections");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(parse(r.body()).path("code").asText()).isEqualTo("unauthorized");
    }
}
