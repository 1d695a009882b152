package io.outpost.api.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import io.outpost.command.api.EventChain;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordUpdatedEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events stored by an older server (revision 1, before collections had schema versions: resources/events) are
 * inserted into {@code domain_event_entry} as that server wrote them, tenant column included, and read back through
 * Axon's upcasters: history, as-of reads, the hash chain's verification, a projection rebuild and new pushes all
 * work on them, and the stored bytes are never rewritten.
 */
class UpcastedEventsTest extends ServerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

    private String tenant;
    private String id;
    private String auditor;
    private String admin;
    private String nurse;

    @BeforeEach
    void storeEventsOfTheOldShape() {
        tenant = anyTenant();
        id = "p-" + UUID.randomUUID().toString().substring(0, 8);
        auditor = token(tenant, "aud", Role.AUDITOR);
        admin = token(tenant, "boss", Role.ADMIN);
        nurse = token(tenant, "nurse-1", Role.USER);
        String created = resource("patients-created-rev1.json");
        String updated = resource("patients-updated-rev1.json");
        // the hash chain as the older server computed it (schema version 1 is not part of the hash: EventChain)
        String h1 = EventChain.next(EventChain.GENESIS, read(created, RecordCreatedEvent.class));
        String h2 = EventChain.next(h1, read(updated, RecordUpdatedEvent.class));
        insert(0, RecordCreatedEvent.class, created, "2025-03-01T09:00:01Z", 1, h1);
        insert(1, RecordUpdatedEvent.class, updated, "2025-03-02T09:00:01Z", 2, h2);
    }

    private String resource(String name) {
        try (InputStream in = getClass().getResourceAsStream("/events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim()
                    .replace("{tenant}", tenant).replace("{id}", id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The old payload read into today's class with its schema version as revision 1 meant it (for the hash only). */
    private static <T> T read(String json, Class<T> type) {
        try {
            ObjectNode payload = (ObjectNode) MAPPER.readTree(json);
            payload.put("schemaVersion", 1);
            return MAPPER.treeToValue(payload, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void insert(long sequence, Class<?> type, String payload, String at, long opId, String hash) {
        String meta = "{\"tenant\":\"" + tenant + "\",\"userId\":\"nurse-old\",\"deviceId\":\"tablet-1\",\"opId\":"
                + opId + ",\"hash\":\"" + hash + "\"}";
        jdbc.update("INSERT INTO domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, "
                        + "time_stamp, payload_type, payload_revision, payload, meta_data, tenant) "
                        + "VALUES (?, ?, ?, 'RecordAggregate', ?, ?, '1', ?, ?, ?)",
                UUID.randomUUID().toString(), tenant + "/patients/" + id, sequence, at, type.getName(),
                payload.getBytes(StandardCharsets.UTF_8), meta.getBytes(StandardCharsets.UTF_8), tenant);
    }

    private JsonNode ok(String token, String path) {
        HttpResponse<String> r = get(token, path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return parse(r.body());
    }

    private List<String> storedPayloads() {
        return jdbc.queryForList("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry "
                + "WHERE aggregate_identifier = ? AND payload_revision = '1' ORDER BY sequence_number", String.class,
                tenant + "/patients/" + id);
    }

    @Test
    void historyAndAsOfReadsShowTheOldEventsAsSchemaVersion1() {
        JsonNode history = ok(auditor, "/api/v1/audit/records/patients/" + id + "/history");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).path("type").asText()).isEqualTo("create");
        assertThat(history.get(0).path("data")).isEqualTo(parse("{\"name\":\"Ada Lovelace\",\"ward\":\"3\"}"));
        assertThat(history.get(0).path("details").path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(history.get(1).path("patch")).isEqualTo(parse("{\"ward\":\"4\"}"));
        assertThat(history.get(1).path("details").path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(history.get(1).path("userId").asText()).isEqualTo("nurse-old");

        assertThat(ok(auditor, "/api/v1/audit/records/patients/" + id + "?version=1").path("data").path("ward")
                .asText()).isEqualTo("3");
        assertThat(ok(auditor, "/api/v1/audit/records/patients/" + id + "?at=2025-03-01T12:00:00Z").path("version")
                .asLong()).isEqualTo(1);
    }

    @Test
    void theHashChainOfTheOldEventsVerifies() {
        JsonNode verified = ok(auditor, "/api/v1/audit/records/patients/" + id + "/verify");
        assertThat(verified.path("valid").asBoolean()).as(verified.toString()).isTrue();
        assertThat(verified.path("events").asLong()).isEqualTo(2);
    }

    @Test
    void aRebuildProjectsTheOldEventsAndPullsServeThemUpgradedOrInAnOlderShape() {
        HttpResponse<String> started = send(HttpRequest.newBuilder(uri("/api/v1/admin/projections/rebuild"))
                .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode status = parse(get(admin, "/api/v1/admin/projections").body()).path("rebuild");
            assertThat(status.path("state").asText()).isNotEqualTo("FAILED");
            return status.path("state").asText().equals("DONE")
                    && !drain(nurse, "dev-1", null, "patients", 100).changes().isEmpty();
        });

        JsonNode current = drain(nurse, "dev-1", null, "patients", 100).changes().get(0);
        assertThat(current.path("version").asLong()).isEqualTo(2);
        assertThat(current.path("data")).as("stored in v1, served in v3").isEqualTo(parse(
                "{\"ward\":\"4\",\"status\":\"active\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}"));
        JsonNode v2 = parse(get(nurse, "/api/v1/sync/pull?deviceId=dev-2&collections=patients"
                + "&schemaVersions=patients:2").body()).path("changes").get(0);
        assertThat(v2.path("data")).isEqualTo(parse(
                "{\"ward\":\"4\",\"status\":\"active\",\"fullName\":\"Ada Lovelace\"}"));
    }

    @Test
    void aNewPushOnTheOldRecordLoadsItAndStoresTheChangeInTheCurrentVersion() {
        JsonNode result = pushOk(nurse, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'update',"
                + "'collection':'patients','id':'" + id + "','baseVersion':2,'data':{'status':'discharged'}}]}"))
                .path("results").get(0);
        assertThat(result.path("status").asText()).as(result.toString()).isEqualTo("applied");
        assertThat(result.path("version").asLong()).isEqualTo(3);

        JsonNode history = ok(auditor, "/api/v1/audit/records/patients/" + id + "/history");
        assertThat(history).hasSize(3);
        assertThat(history.get(2).path("data")).isEqualTo(parse(
                "{\"ward\":\"4\",\"status\":\"discharged\",\"firstName\":\"Ada\",\"lastName\":\"Lovelace\"}"));
        assertThat(history.get(2).path("patch").path("name").isNull()).as("the upgrade shows in the patch").isTrue();
        assertThat(history.get(2).path("details").path("schemaVersion").asInt()).isEqualTo(3);
        JsonNode pulled = drain(nurse, "dev-1", null, "patients", 100).changes().get(0);
        assertThat(pulled.path("data").path("status").asText()).isEqualTo("discharged");

        JsonNode verified = ok(auditor, "/api/v1/audit/records/patients/" + id + "/verify");
        assertThat(verified.path("valid").asBoolean()).as(verified.toString()).isTrue();
        assertThat(verified.path("events").asLong()).isEqualTo(3);
        assertThat(storedPayloads()).as("the stored bytes of the old events are untouched")
                .containsExactly(resource("patients-created-rev1.json"), resource("patients-updated-rev1.json"));
    }
}
