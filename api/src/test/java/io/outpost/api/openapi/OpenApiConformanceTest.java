package io.outpost.api.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import io.outpost.api.web.OpenApiConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real requests to the running server, and each real answer (status, content type, headers, body) validated against
 * what /v3/api-docs declares for its path, method and status, by Atlassian's swagger-request-validator; requests that
 * the server accepts are validated against the document too. Properties a schema does not declare are errors, so a
 * field added to an answer without documentation fails here. An error answer's {@code code} must also be one that
 * its response lists in {@code x-problem-codes}.
 */
class OpenApiConformanceTest extends ServerTest {

    private static OpenApiInteractionValidator validator;
    private static JsonNode document;

    private String tenant;
    private String user;
    private String device;

    @BeforeEach
    void loadDocument() {
        tenant = anyTenant();
        user = userToken(tenant);
        device = anyDevice();
        if (validator != null) return;
        String spec = send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET()).body();
        document = parse(spec);
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(spec)
                .withLevelResolver(LevelResolver.create()
                        .withLevel("validation.schema.additionalProperties", ValidationReport.Level.ERROR)
                        .build())
                .build();
    }

    @Test
    void pushPullStatusAndCollectionsAnswerAsDocumented() {
        String ops = json("{'deviceId':'" + device + "','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'a'}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'b'},"
                + "'clientTimestamp':'2026-11-22T10:00:00Z'},"
                + "{'opId':3,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'c'}},"
                + "{'opId':4,'type':'delete','collection':'notes','id':'missing','baseVersion':1},"
                + "{'opId':5,'type':'increment','collection':'products','id':'sku-1','data':{'stock':1}},"
                + "{'opId':6,'type':'create','collection':'notes','id':'n-2','data':{'title':'x'},'group':'g1'}]}");
        Answer pushed = conform(postAs("/api/v1/sync/push", user).json(ops));
        assertThat(pushed.status).isEqualTo(200);
        assertThat(pushed.body.path("results").findValuesAsText("status"))
                .contains("applied", "conflict", "rejected");
        assertThat(conform(postAs("/api/v1/sync/push", user).json(ops)).body.path("results").get(0)
                .path("duplicate").asBoolean()).isTrue();

        Answer snapshot = conform(getAs("/api/v1/sync/pull", user).query("deviceId", device)
                .query("collections", "notes,products").query("limit", "1"));
        assertThat(snapshot.status).isEqualTo(200);
        Answer next = conform(getAs("/api/v1/sync/pull", user).query("deviceId", device)
                .query("collections", "notes,products").query("cursor", snapshot.body.path("cursor").asText())
                .query("limit", "1"));
        assertThat(next.status).isEqualTo(200);
        pushOk(user, json("{'deviceId':'" + device + "','operations':[{'opId':7,'type':'delete',"
                + "'collection':'notes','id':'n-2','baseVersion':1}]}"));
        Answer tombstone = conform(getAs("/api/v1/sync/pull", user).query("deviceId", device)
                .query("cursor", next.body.path("cursor").asText()).query("collections", "notes,products"));
        assertThat(tombstone.status).isEqualTo(200);

        assertThat(conform(getAs("/api/v1/sync/status", user).query("deviceId", device)).status).isEqualTo(200);
        assertThat(conform(getAs("/api/v1/sync/status", user).query("deviceId", anyDevice())).status).isEqualTo(200);
        Answer collections = conform(getAs("/api/v1/collections", user));
        assertThat(collections.status).isEqualTo(200);
        assertThat(collections.body.path("collections").path("appointments").has("schema")).isTrue();
    }

    @Test
    void theEventStreamAnswersAsDocumented() throws IOException {
        Call call = getAs("/api/v1/sync/stream", user).query("deviceId", device).header("Accept", "text/event-stream");
        HttpResponse<InputStream> stream = streaming(call);
        try (InputStream body = stream.body()) {
            assertThat(stream.statusCode()).isEqualTo(200);
            SimpleResponse.Builder response = SimpleResponse.Builder.status(stream.statusCode());
            stream.headers().map().forEach(response::withHeader);
            response.withBody(firstEvent(body)); // the stream goes on: its first event (a comment) stands for it
            assertValid(call, validator.validate(call.request(), response.build()));
        }
        assertThat(conformResponse(getAs("/api/v1/sync/stream", user).query("deviceId", "not a device!")
                .header("Accept", "text/event-stream")).status).isEqualTo(400);
    }

    @Test
    void auditAnswersAsDocumented() {
        pushOk(user, json("{'deviceId':'" + device + "','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'a'}},"
                + "{'opId':2,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'b'}},"
                + "{'opId':3,'type':'update','collection':'notes','id':'n-1','baseVersion':1,'data':{'title':'c'}},"
                + "{'opId':4,'type':'delete','collection':'notes','id':'n-1','baseVersion':2}]}"));
        String auditor = token(tenant, "auditor-1", Role.AUDITOR);
        String record = "/api/v1/audit/records/notes/n-1";
        String template = "/api/v1/audit/records/{collection}/{id}";
        assertThat(conform(getAs(record + "/history", auditor).template(template + "/history")).status)
                .isEqualTo(200);
        assertThat(conform(getAs(record, auditor).template(template).query("version", "1")).status).isEqualTo(200);
        assertThat(conform(getAs(record, auditor).template(template).query("version", "3")).status).isEqualTo(200);
        assertThat(conform(getAs(record, auditor).template(template).query("at", Instant.now().toString())).status)
                .isEqualTo(200);
        assertThat(conform(getAs(record + "/verify", auditor).template(template + "/verify")).status).isEqualTo(200);
        assertThat(conformResponse(getAs(record, auditor).template(template)).status).isEqualTo(400);
        assertThat(conform(getAs("/api/v1/audit/records/notes/nothing/history", auditor)
                .template(template + "/history")).status).isEqualTo(404);

        Answer page = conform(getAs("/api/v1/audit/events", auditor).query("limit", "2"));
        assertThat(page.status).isEqualTo(200);
        assertThat(page.body.path("events").size()).isEqualTo(2);
        Answer ndjson = conform(getAs("/api/v1/audit/events", auditor).header("Accept", "application/x-ndjson"));
        assertThat(ndjson.status).isEqualTo(200);
        assertThat(ndjson.text.lines().count()).isGreaterThanOrEqualTo(4);
        assertThat(conformResponse(getAs("/api/v1/audit/events", auditor).query("limit", "0")).status).isEqualTo(400);
    }

    @Test
    void conflictsAndTheirResolutionAnswerAsDocumented() {
        JsonNode results = pushOk(user, json("{'deviceId':'" + device + "','operations':["
                + "{'opId':1,'type':'create','collection':'manual_notes','id':'m-1','data':{'title':'a'}},"
                + "{'opId':2,'type':'update','collection':'manual_notes','id':'m-1','baseVersion':1,"
                + "'data':{'title':'b'}},"
                + "{'opId':3,'type':'update','collection':'manual_notes','id':'m-1','baseVersion':1,"
                + "'data':{'title':'c'}}]}")).path("results");
        String conflictId = results.get(2).path("conflict").path("conflictId").asText();
        assertThat(conflictId).isNotEmpty();

        // the conflicts list is a projection: it shows the parked op a moment after the push
        await().atMost(Duration.ofSeconds(20)).until(() -> parse(get(user, "/api/v1/conflicts").body()).size() == 1);
        Answer open = conform(getAs("/api/v1/conflicts", user).query("status", "open"));
        assertThat(open.status).isEqualTo(200);
        assertThat(open.body.size()).isEqualTo(1);
        String resolve = "/api/v1/conflicts/" + conflictId + "/resolve";
        String template = "/api/v1/conflicts/{conflictId}/resolve";
        assertThat(conformResponse(postAs(resolve, user).template(template).json("{\"resolution\":\"maybe\"}")).status)
                .isEqualTo(400);
        assertThat(conform(postAs(resolve, user).template(template)
                .json("{\"resolution\":\"custom\",\"data\":{\"title\":\"d\"}}")).status).isEqualTo(200);
        Answer again = conform(postAs(resolve, user).template(template).json("{\"resolution\":\"server\"}"));
        assertThat(again.status).isEqualTo(409);
        assertThat(again.body.path("code").asText()).isEqualTo("conflict_already_resolved");
        assertThat(conform(getAs("/api/v1/conflicts", user).query("status", "resolved")).status).isEqualTo(200);
        assertThat(conform(postAs("/api/v1/conflicts/nope/resolve", user).template(template)
                .json("{\"resolution\":\"server\"}")).status).isEqualTo(404);
        assertThat(conformResponse(getAs("/api/v1/conflicts", user).query("status", "maybe")).status).isEqualTo(400);
    }

    @Test
    void adminEndpointsAnswerAsDocumented() {
        pushOk(user, json("{'deviceId':'" + device + "','operations':["
                + "{'opId':1,'type':'create','collection':'notes','id':'n-1','data':{'title':'a'}}]}"));
        send(HttpRequest.newBuilder(uri("/api/v1/sync/pull?deviceId=" + device))
                .header("Authorization", "Bearer not-a-token").GET());
        String admin = token(tenant, "boss", Role.ADMIN);
        assertThat(conform(getAs("/api/v1/admin/stats", admin)).status).isEqualTo(200);
        assertThat(conform(getAs("/api/v1/admin/stats", admin).query("userId", "user-1")).status).isEqualTo(200);
        assertThat(conform(getAs("/api/v1/admin/projections", admin)).status).isEqualTo(200);
        assertThat(conform(getAs("/api/v1/admin/verify", admin)).status).isEqualTo(200);
        assertThat(conform(getAs("/api/v1/admin/security-events", admin).query("limit", "10")).status)
                .isEqualTo(200);
        assertThat(conformResponse(getAs("/api/v1/admin/security-events", admin).query("type", "nope")).status)
                .isEqualTo(400);

        String template = "/api/v1/admin/devices/{deviceId}/revoke";
        assertThat(conform(postAs("/api/v1/admin/devices/" + anyDevice() + "/revoke", admin).template(template))
                .status).isEqualTo(404);
        assertThat(conform(postAs("/api/v1/admin/devices/" + device + "/revoke", admin).template(template)).status)
                .isEqualTo(204);
        Answer revoked = conform(getAs("/api/v1/sync/pull", user).query("deviceId", device));
        assertThat(revoked.status).isEqualTo(403);
        assertThat(revoked.body.path("code").asText()).isEqualTo("device_revoked");
    }

    @Test
    void refusedRequestsAnswerWithDocumentedProblems() {
        String push = "/api/v1/sync/push";
        String body = json("{'deviceId':'" + device + "','operations':[]}");
        Answer anonymous = conformResponse(postAs(push, null).json(body));
        assertThat(anonymous.status).isEqualTo(401);
        assertThat(conformResponse(postAs(push, "not-a-token").json(body)).status).isEqualTo(401);
        Answer auditor = conform(postAs(push, token(tenant, "a-1", Role.AUDITOR)).json(body));
        assertThat(auditor.status).isEqualTo(403);
        assertThat(auditor.body.path("code").asText()).isEqualTo("forbidden");

        Answer notIncreasing = conformResponse(postAs(push, user).json(json("{'deviceId':'" + device
                + "','operations':[{'opId':5,'type':'create','collection':'notes','id':'a','data':{}},"
                + "{'opId':5,'type':'create','collection':'notes','id':'b','data':{}}]}")));
        assertThat(notIncreasing.status).isEqualTo(400);
        assertThat(notIncreasing.body.path("errors").get(0).path("field").asText())
                .isEqualTo("operations[1].opId");
        assertThat(conformResponse(postAs(push, user).json("{\"deviceId\":")).status).isEqualTo(400);
        String many = java.util.stream.IntStream.rangeClosed(1, 1001).mapToObj(i -> "{\"opId\":" + i
                + ",\"type\":\"create\",\"collection\":\"notes\",\"id\":\"x" + i + "\",\"data\":{}}")
                .collect(Collectors.joining(",", "{\"deviceId\":\"" + device + "\",\"operations\":[", "]}"));
        Answer tooMany = conformResponse(postAs(push, user).json(many));
        assertThat(tooMany.status).isEqualTo(400);
        assertThat(tooMany.body.path("code").asText()).isEqualTo("too_many_operations");
        Answer plain = conformResponse(postAs(push, user).header("Content-Type", "text/plain").body(body));
        assertThat(plain.status).isEqualTo(415);
        Answer large = conformResponse(postAs(push, user).json("{\"deviceId\":\"" + device + "\",\"pad\":\""
                + "x".repeat(5 * 1024 * 1024) + "\",\"operations\":[]}"));
        assertThat(large.status).isEqualTo(413);

        Answer cursor = conform(getAs("/api/v1/sync/pull", user).query("deviceId", device).query("cursor", "forged"));
        assertThat(cursor.status).isEqualTo(400);
        assertThat(cursor.body.path("code").asText()).isEqualTo("invalid_cursor");
        assertThat(conformResponse(getAs("/api/v1/sync/pull", user).query("deviceId", device).query("limit", "0"))
                .status).isEqualTo(400);
        pushOk(user, body);
        Answer other = conform(getAs("/api/v1/sync/pull", token(tenant, "user-2", Role.USER)).query("deviceId",
                device));
        assertThat(other.status).isEqualTo(403);
        assertThat(other.body.path("code").asText()).isEqualTo("device_bound_to_other_user");
    }

    @Test
    void theTokenEndpointAndHealthAnswerAsDocumented() {
        String address = "10.77." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250);
        String token = "/api/v1/auth/token";
        Answer issued = conform(postAs(token, null).header("X-Forwarded-For", address)
                .json("{\"username\":\"nurse1\",\"password\":\"nurse-password-1\"}"));
        assertThat(issued.status).isEqualTo(200);
        assertThat(issued.body.path("tokenType").asText()).isEqualTo("Bearer");
        assertThat(conform(postAs(token, null).header("X-Forwarded-For", address)
                .json("{\"username\":\"nurse1\",\"password\":\"wrong\"}")).status).isEqualTo(401);
        assertThat(conformResponse(postAs(token, null).header("X-Forwarded-For", address).json("{}")).status)
                .isEqualTo(400);
        Answer limited = null;
        for (int i = 0; i < 10 && (limited == null || limited.status != 429); i++) {
            limited = conform(postAs(token, null).header("X-Forwarded-For", address)
                    .json("{\"username\":\"nurse1\",\"password\":\"wrong\"}"));
        }
        assertThat(limited.status).isEqualTo(429);

        assertThat(conform(getAs("/actuator/health", null)).status).isEqualTo(200);
    }

    // --- requests, answers and their validation

    private Call getAs(String path, String token) {
        return new Call("GET", path).bearer(token);
    }

    private Call postAs(String path, String token) {
        return new Call("POST", path).bearer(token);
    }

    /** The request and its answer are both validated. */
    private Answer conform(Call call) {
        Answer answer = exchange(call);
        assertValid(call, validator.validate(call.request(), answer.response));
        assertProblemCodeListed(call, answer);
        return answer;
    }

    /** Only the answer is validated: the request is wrong on purpose. */
    private Answer conformResponse(Call call) {
        Answer answer = exchange(call);
        assertValid(call, validator.validateResponse(call.path, Request.Method.valueOf(call.method),
                answer.response));
        assertProblemCodeListed(call, answer);
        return answer;
    }

    private static void assertValid(Call call, ValidationReport report) {
        String errors = report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> m.getKey() + ": " + m.getMessage()).collect(Collectors.joining("\n"));
        assertThat(errors).as(call.method + " " + call.path + " conforms to /v3/api-docs").isEmpty();
    }

    private static void assertProblemCodeListed(Call call, Answer answer) {
        if (answer.status < 400) return;
        JsonNode listed = document.path("paths").path(call.template).path(call.method.toLowerCase(Locale.ROOT))
                .path("responses").path(Integer.toString(answer.status)).path(OpenApiConfiguration.PROBLEM_CODES);
        List<String> codes = new ArrayList<>();
        listed.forEach(c -> codes.add(c.asText()));
        assertThat(codes).as(call.method + " " + call.template + " " + answer.status + " lists the code")
                .contains(answer.body.path("code").asText());
    }

    private Answer exchange(Call call) {
        HttpResponse<String> http = send(call.http());
        SimpleResponse.Builder response = SimpleResponse.Builder.status(http.statusCode());
        http.headers().map().forEach(response::withHeader);
        if (!http.body().isEmpty()) response.withBody(http.body());
        JsonNode body = null;
        String type = http.headers().firstValue("Content-Type").orElse("");
        if (type.contains("json") && !type.contains("ndjson") && !http.body().isEmpty()) body = parse(http.body());
        return new Answer(http.statusCode(), body, http.body(), response.build());
    }

    private HttpResponse<InputStream> streaming(Call call) {
        try {
            return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
                    .send(call.http().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The stream's bytes up to the end of its first event (a blank line). */
    private static String firstEvent(InputStream body) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int c; !text.toString().endsWith("\n\n") && (c = body.read()) >= 0; ) text.append((char) c);
        return text.toString();
    }

    private record Answer(int status, JsonNode body, String text, SimpleResponse response) {
    }

    /** One request, sent as it is described to the validator. */
    private final class Call {
        final String method;
        final String path;
        String template;
        final Map<String, String> query = new LinkedHashMap<>();
        final Map<String, String> headers = new LinkedHashMap<>();
        String body;

        Call(String method, String path) {
            this.method = method;
            this.path = path;
            this.template = path;
        }

        Call template(String documentedPath) {
            template = documentedPath;
            return this;
        }

        Call bearer(String token) {
            return token == null ? this : header("Authorization", "Bearer " + token);
        }

        Call query(String name, String value) {
            query.put(name, value);
            return this;
        }

        Call header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Call json(String json) {
            return header("Content-Type", "application/json").body(json);
        }

        Call body(String text) {
            body = text;
            return this;
        }

        HttpRequest.Builder http() {
            String q = query.entrySet().stream().map(e -> e.getKey() + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path + (q.isEmpty() ? "" : "?" + q)))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(builder::header);
            return builder;
        }

        SimpleRequest request() {
            SimpleRequest.Builder builder = new SimpleRequest.Builder(method, path);
            query.forEach(builder::withQueryParam);
            headers.forEach(builder::withHeader);
            if (body != null) builder.withBody(body);
            return builder.build();
        }
    }
}
