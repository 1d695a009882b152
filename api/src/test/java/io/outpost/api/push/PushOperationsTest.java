package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

/** What each operation of a push becomes, over HTTP against the real server and database. */
class PushOperationsTest extends ServerTest {

    private String tenant;
    private String token;

    @BeforeEach
    void freshTenant() {
        tenant = anyTenant();
        token = userToken(tenant);
    }

    private JsonNode results(String device, String operations) {
        return pushOk(token, json("{'deviceId':'" + device + "','operations':[" + operations + "]}")).path("results");
    }

    @Autowired
    @Qualifier("eventSerializer")
    private Serializer eventSerializer;

    @Test
    void anUpdatedStateIsStoredInItsEventAsTheReadModelHasIt() {
        // the serializer copies the state's text the aggregate wrote once (StateJson) instead of writing it again
        assertThat(((JacksonSerializer) eventSerializer).getObjectMapper().getRegisteredModuleIds())
                .contains("outpost-state-json");
        results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'n-2','data':{'title':'A','dose':2.50,"
                + "'tags':['x','ÿ'],'nested':{'b':1,'a':[true,null]}}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'n-2','baseVersion':1,"
                + "'data':{'title':'B','nested':{'c':1e3}}}");
        String payload = jdbc.queryForObject("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry "
                + "WHERE aggregate_identifier = ? AND sequence_number = 1", String.class, tenant + "/notes/n-2");
        JsonNode state = parse(payload).path("state");
        assertThat(state).isEqualTo(parse(json("{'title':'B','dose':2.50,'tags':['x','ÿ'],"
                + "'nested':{'b':1,'a':[true,null],'c':1e3}}")));
        assertThat(parse(jdbc.queryForObject("SELECT data::text FROM records WHERE tenant = ? AND id = 'n-2'",
                String.class, tenant))).isEqualTo(state);
    }

    @Test
    void acceptedChangesAreStoredAsJsonEventsWithTheOperationsMetadata() {
        results("dev-1", "{'opId':41,'type':'create','collection':'notes','id':'n-1','data':{'title':'A'},"
                + "'clientTimestamp':'2026-11-22T10:00:00Z'},"
                + "{'opId':42,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'B'}}");
        Map<String, Object> row = jdbc.queryForMap("SELECT payload_type, payload_revision, sequence_number, "
                + "convert_from(payload, 'UTF8') AS payload, convert_from(meta_data, 'UTF8') AS meta "
                + "FROM domain_event_entry WHERE aggregate_identifier = ? AND sequence_number = 0",
                tenant + "/notes/n-1");
        assertThat(row.get("payload_type")).isEqualTo("io.outpost.command.api.RecordCreatedEvent");
        assertThat(row.get("payload_revision")).as("revision 2 added schemaVersion (docs/schema-versions.md)")
                .isEqualTo("2");
        JsonNode payload = parse((String) row.get("payload"));
        assertThat(payload.path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(payload.path("data").path("title").asText()).isEqualTo("A");
        assertThat(payload.path("version").asLong()).isEqualTo(1);
        JsonNode meta = parse((String) row.get("meta"));
        assertThat(meta.path("tenant").asText()).isEqualTo(tenant);
        assertThat(meta.path("userId").asText()).isEqualTo("user-1");
        assertThat(meta.path("deviceId").asText()).isEqualTo("dev-1");
        assertThat(meta.path("opId").asLong()).isEqualTo(41);
        assertThat(meta.path("clientTimestamp").asText()).isEqualTo("2026-11-22T10:00:00Z");

        // the second op of the same push: its own opId, and no client timestamp since it sent none
        JsonNode second = parse(jdbc.queryForObject("SELECT convert_from(meta_data, 'UTF8') FROM domain_event_entry "
                + "WHERE aggregate_identifier = ? AND sequence_number = 1", String.class, tenant + "/notes/n-1"));
        assertThat(second.path("opId").asLong()).isEqualTo(42);
        assertThat(second.path("deviceId").asText()).isEqualTo("dev-1");
        assertThat(second.path("tenant").asText()).isEqualTo(tenant);
        assertThat(second.has("clientTimestamp")).isFalse();
    }

    @Test
    void createUpdateAndStaleUpdateGiveAppliedAppliedConflict() {
        JsonNode r = results("dev-1",
                "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'A'}},"
                        + "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'B'}},"
                        + "{'opId':3,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'C'}}");
        assertThat(r.get(0).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(1).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(1).path("version").asLong()).isEqualTo(2);
        JsonNode conflict = r.get(2);
        assertThat(conflict.path("status").asText()).isEqualTo("conflict");
        assertThat(conflict.path("version").asLong()).isEqualTo(2);
        assertThat(conflict.path("data").path("title").asText()).isEqualTo("B");
        assertThat(conflict.path("conflict").path("strategy").asText()).isEqualTo("reject");
        assertThat(conflict.path("conflict").path("fields").get(0).asText()).isEqualTo("title");
        assertThat(conflict.path("conflict").path("reason").asText()).isEqualTo("stale");
    }

    @Test
    void aConflictSaysWhyTheIdExistsTheRecordWasDeletedOrTheBaseIsAhead() {
        JsonNode r = results("dev-1",
                "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'A'}},"
                        + "{'opId':2,'type':'create','collection':'notes','id':'n-1','data':{'title':'Z'}},"
                        + "{'opId':3,'type':'update','collection':'notes','id':'n-1','baseVersion':7,'data':{'title':'C'}},"
                        + "{'opId':4,'type':'delete','collection':'notes','id':'n-1','baseVersion':1},"
                        + "{'opId':5,'type':'update','collection':'notes','id':'n-1','baseVersion':2,'data':{'title':'D'}}");
        assertThat(r.get(1).path("status").asText()).isEqualTo("conflict");
        assertThat(r.get(1).path("conflict").path("reason").asText()).isEqualTo("exists");
        JsonNode ahead = r.get(2);
        assertThat(ahead.path("status").asText()).as("v1.2: a base ahead of the record is a conflict").isEqualTo("conflict");
        assertThat(ahead.path("conflict").path("reason").asText()).isEqualTo("ahead");
        assertThat(ahead.path("version").asLong()).isEqualTo(1);
        assertThat(ahead.path("data").path("title").asText()).as("the server's state to recover from").isEqualTo("A");
        assertThat(r.get(3).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(4).path("conflict").path("reason").asText()).isEqualTo("deleted");
        assertThat(r.get(4).path("deleted").asBoolean()).isTrue();
    }

    @Test
    void staleUpdateOfOtherFieldsIsMergedInAMergeCollection() {
        results("dev-1", "{'opId':1,'type':'create','collection':'merge_notes','id':'m','data':{'title':'A','body':'x'}},"
                + "{'opId':2,'type':'update','collection':'merge_notes','id':'m','baseVersion':1,'data':{'title':'B'}}");
        JsonNode merged = results("dev-1",
                "{'opId':3,'type':'update','collection':'merge_notes','id':'m','baseVersion':1,'data':{'body':'y'}}")
                .get(0);
        assertThat(merged.path("status").asText()).isEqualTo("merged");
        assertThat(merged.path("version").asLong()).isEqualTo(3);
        assertThat(merged.path("data")).isEqualTo(parse(json("{'title':'B','body':'y'}")));
    }

    @Test
    void aResentPushIsAnsweredFromTheStoredResultsAndAppliedOnce() {
        String ops = "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'A'}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'B'}}";
        JsonNode first = results("dev-1", ops);
        long events = eventCount(tenant);
        JsonNode again = pushOk(token, json("{'deviceId':'dev-1','operations':[" + ops + "]}"));
        assertThat(again.path("lastProcessedOpId").asLong()).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(again.path("results").get(i).path("duplicate").asBoolean()).isTrue();
            assertThat(again.path("results").get(i).path("version")).isEqualTo(first.get(i).path("version"));
            assertThat(again.path("results").get(i).path("status")).isEqualTo(first.get(i).path("status"));
        }
        assertThat(eventCount(tenant)).isEqualTo(events);
    }

    @Test
    void anOpIdResentWithOtherContentIsRefusedAndNotApplied() {
        results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'A','n':1}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'B'}}");
        long events = eventCount(tenant);

        JsonNode again = results("dev-1",
                // the same op 1 with its fields in another order: the same op, a duplicate
                "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'n':1,'title':'A'}},"
                        // op 2 with other data, then as a delete: not the op stored under opId 2
                        + "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,"
                        + "'data':{'title':'C'}}");
        assertThat(again.get(0).path("status").asText()).isEqualTo("applied");
        assertThat(again.get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(again.get(1).path("status").asText()).isEqualTo("rejected");
        assertThat(again.get(1).path("error").path("code").asText()).isEqualTo("op_id_reused");
        JsonNode delete = results("dev-1",
                "{'opId':2,'type':'delete','collection':'notes','id':'n-1','baseVersion':1}").get(0);
        assertThat(delete.path("error").path("code").asText()).isEqualTo("op_id_reused");

        assertThat(eventCount(tenant)).as("nothing applied").isEqualTo(events);
        // the first op 2 still stands: its re-send unchanged is answered from its stored result
        JsonNode original = results("dev-1",
                "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'B'}}");
        assertThat(original.get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(original.get(0).path("version").asLong()).isEqualTo(2);
    }

    @Test
    void aCreateResentWithTheSameDataAfterLosingOpIdsIsAnAppliedDuplicate() {
        results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'A'}}");
        JsonNode again = results("dev-2",
                "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'A'}}").get(0);
        assertThat(again.path("status").asText()).isEqualTo("applied");
        assertThat(again.path("duplicate").asBoolean()).isTrue();
        assertThat(again.path("version").asLong()).isEqualTo(1);
        assertThat(countEvents(tenant + "/notes/n-1", "RecordCreatedEvent")).isEqualTo(1);
    }

    @Test
    void aRejectedOperationDoesNotStopItsNeighbours() {
        JsonNode r = results("dev-1",
                "{'opId':1,'type':'create','collection':'notes','id':'a','data':{'title':'A'}},"
                        + "{'opId':2,'type':'frobnicate','collection':'notes','id':'b','data':{}},"
                        + "{'opId':3,'type':'update','collection':'notes','id':'missing','baseVersion':1,'data':{}},"
                        + "{'opId':4,'type':'create','collection':'notes','id':'c','data':{'title':'C'}}");
        assertThat(r.get(0).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(1).path("status").asText()).isEqualTo("rejected");
        assertThat(r.get(1).path("error").path("code").asText()).isEqualTo("invalid_operation");
        assertThat(r.get(2).path("error").path("code").asText()).isEqualTo("not_found");
        assertThat(r.get(3).path("status").asText()).isEqualTo("applied");
        assertThat(eventCount(tenant)).as("every op leaves exactly one event").isEqualTo(4);
    }

    @Test
    void aMalformedOperationWithNulCharactersIsRejectedAndItsAnswerKeptForDuplicates() {
        // found by FuzzTest: the answer echoed the invalid id, and PostgreSQL cannot store a NUL character
        String op = "{'opId':1,'type':'create','collection':'no\\u0000tes','id':'a\\u0000b','tempId':'t\\u0000',"
                + "'data':{'title':'A'}}";
        JsonNode r = results("dev-1", op).get(0);
        assertThat(r.path("status").asText()).isEqualTo("rejected");
        assertThat(r.path("error").path("code").asText()).isEqualTo("invalid_operation");
        assertThat(r.has("id") || r.has("collection") || r.has("tempId")).as("invalid values are not echoed").isFalse();
        assertThat(results("dev-1", op).get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(eventCount(tenant)).isEqualTo(1);
    }

    @Test
    void dataWithANulCharacterIsRejectedAndTheFeedGoesOn() {
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'a',"
                + "'data':{'title':'x\\u0000y'}},{'opId':2,'type':'create','collection':'notes','id':'b',"
                + "'data':{'list':[{'k\\u0000':1}]}},{'opId':3,'type':'create','collection':'notes','id':'c',"
                + "'data':{'title':'C'}}");
        assertThat(r.get(0).path("error").path("fields").toString()).contains("U+0000");
        assertThat(r.get(1).path("status").asText()).isEqualTo("rejected");
        assertThat(r.get(2).path("status").asText()).isEqualTo("applied");
        // the feed (which would stop at a record it cannot store) brings the good record
        await().atMost(Duration.ofSeconds(20)).until(() -> drain(token, "dev-1", null, "notes", 100).changes()
                .stream().anyMatch(c -> "c".equals(c.path("id").asText())));
    }

    @Test
    void dataThatBreaksTheCollectionsSchemaIsRejectedWithFieldPaths() {
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'dispenses','id':'d-1',"
                + "'data':{'patient':'p','drug':'amoxicillin','dose':'lots'}}").get(0);
        assertThat(r.path("status").asText()).isEqualTo("rejected");
        assertThat(r.path("error").path("code").asText()).isEqualTo("validation_failed");
        assertThat(r.path("error").path("fields").get(0).path("field").asText()).isEqualTo("dose");
        JsonNode missing = results("dev-1", "{'opId':2,'type':'create','collection':'dispenses','id':'d-2',"
                + "'data':{'patient':'p','dose':5}}").get(0);
        assertThat(missing.path("error").path("fields").get(0).path("field").asText()).isEqualTo("drug");
    }

    @Test
    void dataWithAnUnpairedSurrogateIsRejectedAndItsNeighboursApply() {
        // JSON can escape half of a surrogate pair; Jackson reads it, but it is no Unicode: the event's payload could
        // not be written (the push failed whole, again on every re-send) and jsonb would refuse it
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'a',"
                + "'data':{'title':'x\\ud800y'}},{'opId':2,'type':'create','collection':'notes','id':'b',"
                + "'data':{'title':'pill \\ud83d\\udc8a'}},{'opId':3,'type':'update','collection':'notes','id':'b',"
                + "'baseVersion':1,'data':{'title':'\\udc8a'}}");
        assertThat(r.get(0).path("status").asText()).isEqualTo("rejected");
        assertThat(r.get(0).path("error").path("code").asText()).isEqualTo("validation_failed");
        assertThat(r.get(0).path("error").path("fields").toString()).contains("unpaired surrogate");
        assertThat(r.get(1).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(2).path("error").path("code").asText()).isEqualTo("validation_failed");
        assertThat(eventCount(tenant)).as("every op leaves exactly one event").isEqualTo(3);
        await().atMost(Duration.ofSeconds(20)).until(() -> drain(token, "dev-1", null, "notes", 100).changes()
                .stream().anyMatch(c -> "b".equals(c.path("id").asText())
                        && "pill 💊".equals(c.path("data").path("title").asText()) && c.path("version").asLong() == 1));
    }

    @Test
    void anIdWithAnUnpairedSurrogateIsAMalformedOpAndNotEchoed() {
        // the driver would have stored the half pair as '?': another record's id
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'a\\ud800',"
                + "'data':{'title':'A'}},{'opId':2,'type':'create','collection':'notes','id':'pill-\\ud83d\\udc8a',"
                + "'data':{'title':'B'}}");
        assertThat(r.get(0).path("status").asText()).isEqualTo("rejected");
        assertThat(r.get(0).path("error").path("code").asText()).isEqualTo("invalid_operation");
        assertThat(r.get(0).has("id")).as("an invalid id is not echoed").isFalse();
        assertThat(r.get(1).path("status").asText()).isEqualTo("applied");
        assertThat(r.get(1).path("id").asText()).isEqualTo("pill-💊");
    }

    @Test
    void recordDataOver256KibIsRejectedAsTooLarge() {
        String big = "x".repeat(256 * 1024 + 1);
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'big','data':{'b':'"
                + big + "'}}").get(0);
        assertThat(r.path("status").asText()).isEqualTo("rejected");
        assertThat(r.path("error").path("code").asText()).isEqualTo("record_too_large");
    }

    @Test
    void aNumericIdMeansItsDecimalString() {
        results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':123,'data':{'title':'A'}}");
        JsonNode r = results("dev-1",
                "{'opId':2,'type':'update','collection':'notes','id':'123','baseVersion':1,'data':{'title':'B'}}")
                .get(0);
        assertThat(r.path("status").asText()).isEqualTo("applied");
        assertThat(r.path("id").asText()).isEqualTo("123");
    }

    @Test
    void serverAssignedIdsReplaceTempIdsInThisPushAndLaterOnes() {
        JsonNode r = results("dev-1",
                "{'opId':1,'type':'create','collection':'pets','id':'p-1','data':{'name':'Rex','ownerId':'user-1'}},"
                        + "{'opId':2,'type':'create','collection':'appointments','tempId':'temp_a',"
                        + "'data':{'title':'Checkup','petId':'p-1','date':'2026-11-30T10:00:00Z','clientId':'forged'}},"
                        + "{'opId':3,'type':'update','collection':'appointments','id':'temp_a','baseVersion':1,"
                        + "'data':{'title':'Checkup 2'}}");
        JsonNode created = r.get(1);
        assertThat(created.path("status").asText()).isEqualTo("applied");
        assertThat(created.path("tempId").asText()).isEqualTo("temp_a");
        String realId = created.path("id").asText();
        assertThat(realId).isEqualTo("1");
        assertThat(r.get(2).path("id").asText()).isEqualTo(realId);
        assertThat(r.get(2).path("version").asLong()).isEqualTo(2);

        JsonNode later = results("dev-1", "{'opId':4,'type':'update','collection':'appointments','id':'temp_a',"
                + "'baseVersion':2,'data':{'title':'Checkup 3'}}").get(0);
        assertThat(later.path("id").asText()).isEqualTo(realId);
        assertThat(later.path("status").asText()).isEqualTo("applied");

        JsonNode second = results("dev-1", "{'opId':5,'type':'create','collection':'appointments','tempId':'temp_b',"
                + "'data':{'title':'Vaccine','petId':'p-1','date':'2026-12-01T10:00:00Z'}}").get(0);
        assertThat(second.path("id").asText()).isEqualTo("2");

        String state = jdbc.queryForObject("SELECT convert_from(payload, 'UTF8') FROM domain_event_entry "
                + "WHERE aggregate_identifier = ? AND sequence_number = 0", String.class, tenant + "/appointments/1");
        assertThat(parse(state).path("data").path("clientId").asText())
                .as("derived from the pet's ownerId, replacing the client's value").isEqualTo("user-1");
    }

    @Test
    void aReferenceToAMissingRecordIsAnInvalidReference() {
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'appointments','tempId':'t1',"
                + "'data':{'title':'Checkup','petId':'nobody','date':'2026-11-30T10:00:00Z'}}").get(0);
        assertThat(r.path("status").asText()).isEqualTo("rejected");
        assertThat(r.path("error").path("code").asText()).isEqualTo("invalid_reference");
        assertThat(r.path("error").path("fields").get(0).path("field").asText()).isEqualTo("petId");
    }

    @Test
    void aRecordOfAnOwnerVisibilityCollectionIsNotFoundForOtherUsersButAdminsSeeIt() {
        results("dev-1", "{'opId':1,'type':'create','collection':'pets','id':'p-1','data':{'name':'Rex','ownerId':'user-1'}}");
        String other = token(tenant, "user-2", Role.USER);
        JsonNode hidden = pushOk(other, json("{'deviceId':'dev-2','operations':[{'opId':1,'type':'update',"
                + "'collection':'pets','id':'p-1','baseVersion':1,'data':{'name':'Stolen'}}]}")).path("results").get(0);
        assertThat(hidden.path("status").asText()).isEqualTo("rejected");
        assertThat(hidden.path("error").path("code").asText()).isEqualTo("not_found");

        String admin = token(tenant, "boss", Role.USER, Role.ADMIN);
        JsonNode seen = pushOk(admin, json("{'deviceId':'dev-3','operations':[{'opId':1,'type':'update',"
                + "'collection':'pets','id':'p-1','baseVersion':1,'data':{'name':'Rex II'}}]}")).path("results").get(0);
        assertThat(seen.path("status").asText()).isEqualTo("applied");
    }

    @Test
    void tenantsNeverSeeEachOthersRecords() {
        results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'shared-id','data':{'title':'A'}}");
        String otherTenant = anyTenant();
        JsonNode r = pushOk(userToken(otherTenant), json("{'deviceId':'dev-1','operations':[{'opId':1,"
                + "'type':'create','collection':'notes','id':'shared-id','data':{'title':'B'}}]}")).path("results")
                .get(0);
        assertThat(r.path("status").asText()).as("a different tenant's record with the same id").isEqualTo("applied");
        assertThat(r.path("version").asLong()).isEqualTo(1);
    }

    @Test
    void gzipRequestsAreInflatedAndGzipResponsesSentWhenAsked() throws IOException {
        StringBuilder ops = new StringBuilder();
        for (int i = 1; i <= 50; i++) {
            if (i > 1) ops.append(',');
            ops.append("{\"opId\":").append(i).append(",\"type\":\"create\",\"collection\":\"notes\",\"id\":\"g-")
                    .append(i).append("\",\"data\":{\"title\":\"T\"}}");
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(("{\"deviceId\":\"dev-z\",\"operations\":[" + ops + "]}").getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> response = sendBytes(HttpRequest.newBuilder(uri("/api/v1/sync/push"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .header("Accept-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
        String body = new String(new GZIPInputStream(new ByteArrayInputStream(response.body())).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(parse(body).path("results").size()).isEqualTo(50);
        assertThat(parse(body).path("lastProcessedOpId").asLong()).isEqualTo(50);
    }

    @Test
    void pushOutcomesAreCountedInPrometheusMetrics() {
        // an applied create and a rejected update (of a record that does not exist), made here: the counters are
        // the context's, so the test must not depend on what other tests pushed before it
        JsonNode r = results("dev-1", "{'opId':1,'type':'create','collection':'notes','id':'a','data':{}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'no-such-note','baseVersion':1,'data':{}}");
        assertThat(r.findValuesAsText("status")).containsExactly("applied", "rejected");
        HttpResponse<String> metrics = send(HttpRequest.newBuilder(uri("/actuator/prometheus"))
                .header("Authorization", "Bearer " + token).GET());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("outpost_push_operations_total{status=\"applied\"")
                .contains("outpost_push_operations_total{status=\"rejected\"")
                .contains("outpost_push_requests_seconds_bucket")
                .contains("outpost_projection_lag_events");
    }

    @Test
    void healthNeedsNoTokenButMetricsDo() {
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/health")).GET()).statusCode()).isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET()).statusCode()).isEqualTo(401);
    }
}
