package io.outpost.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.security.SyncPrincipal;
import io.outpost.api.support.ServerTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every request-level error of the push endpoint is a problem with its code, and changes nothing. */
class PushRequestErrorsTest extends ServerTest {

    private String tenant;
    private String token;
    private long before;

    @BeforeEach
    void aTenantWithOneRecord() {
        tenant = anyTenant();
        token = userToken(tenant);
        pushOk(token, json("{'deviceId':'dev-1','operations':[{'opId':1,'type':'create','collection':'notes',"
                + "'id':'n-1','data':{'title':'A'}}]}"));
        before = footprint(tenant);
    }

    private JsonNode problem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/problem+json"));
        JsonNode body = parse(response.body());
        assertThat(body.path("code").asText()).isEqualTo(code);
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("title").asText()).isNotBlank();
        assertThat(body.path("type").asText()).isNotBlank();
        assertThat(body.path("instance").asText()).as("RFC 9457 instance: the request's path")
                .isEqualTo("/api/v1/sync/push");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at io.outpost");
        assertThat(footprint(tenant)).as("a request-level error changes nothing").isEqualTo(before);
        return body;
    }

    private static String oneCreate(String device, long opId) {
        return json("{'deviceId':'" + device + "','operations':[{'opId':" + opId
                + ",'type':'create','collection':'notes','id':'x-" + opId + "','data':{'title':'X'}}]}");
    }

    @Test
    void malformedJsonIsAnInvalidRequest() {
        problem(push(token, "{\"deviceId\": \"dev-1\", \"operations\": [ {\"opId\": 2, "), 400, "invalid_request");
    }

    @Test
    void duplicateJsonKeysAreAnInvalidRequest() {
        problem(push(token, "{\"deviceId\":\"dev-1\",\"deviceId\":\"dev-2\",\"operations\":[]}"), 400,
                "invalid_request");
    }

    @Test
    void aBodyThatIsNotAnObjectIsAnInvalidRequest() {
        problem(push(token, "[1,2,3]"), 400, "invalid_request");
    }

    @Test
    void aBadDeviceIdIsAnInvalidRequestNamingTheField() {
        JsonNode body = problem(push(token, oneCreate("no spaces allowed", 2)), 400, "invalid_request");
        assertThat(body.path("errors").get(0).path("field").asText()).isEqualTo("deviceId");
        problem(push(token, oneCreate("x".repeat(65), 2)), 400, "invalid_request");
    }

    @Test
    void opIdsThatDoNotIncreaseAreAnInvalidRequest() {
        String body = json("{'deviceId':'dev-1','operations':["
                + "{'opId':5,'type':'create','collection':'notes','id':'a','data':{}},"
                + "{'opId':5,'type':'create','collection':'notes','id':'b','data':{}}]}");
        JsonNode problem = problem(push(token, body), 400, "invalid_request");
        assertThat(problem.path("errors").get(0).path("field").asText()).isEqualTo("operations[1].opId");
    }

    @Test
    void aMissingOrNonPositiveOpIdIsAnInvalidRequest() {
        problem(push(token, json("{'deviceId':'dev-1','operations':[{'type':'create','collection':'notes',"
                + "'id':'a','data':{}}]}")), 400, "invalid_request");
        problem(push(token, json("{'deviceId':'dev-1','operations':[{'opId':0,'type':'create',"
                + "'collection':'notes','id':'a','data':{}}]}")), 400, "invalid_request");
        problem(push(token, json("{'deviceId':'dev-1','operations':[{'opId':'7','type':'create',"
                + "'collection':'notes','id':'a','data':{}}]}")), 400, "invalid_request");
    }

    @Test
    void moreThanAThousandOperationsAreTooMany() {
        StringBuilder ops = new StringBuilder();
        for (int i = 1; i <= 1001; i++) {
            if (i > 1) ops.append(',');
            ops.append("{\"opId\":").append(i + 1).append(",\"type\":\"create\",\"collection\":\"notes\",\"id\":\"m-")
                    .append(i).append("\",\"data\":{}}");
        }
        problem(push(token, "{\"deviceId\":\"dev-1\",\"operations\":[" + ops + "]}"), 400, "too_many_operations");
    }

    @Test
    void aBodyOverFiveMebibytesIsTooLarge() {
        String padding = "x".repeat(5 * 1024 * 1024);
        String body = "{\"deviceId\":\"dev-1\",\"pad\":\"" + padding + "\",\"operations\":[]}";
        problem(push(token, body), 413, "payload_too_large");
    }

    @Test
    void aSmallGzipThatInflatesPastTheLimitIsTooLarge() throws IOException {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write("{\"deviceId\":\"dev-1\",\"pad\":\"".getBytes());
            byte[] spaces = new byte[1024 * 1024];
            java.util.Arrays.fill(spaces, (byte) 'a');
            for (int i = 0; i < 64; i++) gzip.write(spaces);
            gzip.write("\",\"operations\":[]}".getBytes());
        }
        assertThat(zipped.size()).isLessThan(1024 * 1024);
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/sync/push"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())));
        problem(response, 413, "payload_too_large");
    }

    @Test
    void aContentTypeOtherThanJsonIsUnsupported() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/sync/push"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(oneCreate("dev-1", 2))));
        problem(response, 415, "unsupported_media_type");
    }

    @Test
    void aMissingTokenIsUnauthorizedWithABearerChallenge() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/sync/push"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(oneCreate("dev-1", 2))));
        problem(response, 401, "unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                h -> assertThat(h).startsWith("Bearer"));
    }

    @Test
    void aTokenWithAWrongSignatureIsUnauthorized() {
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
        problem(push(forged, oneCreate("dev-1", 2)), 401, "unauthorized");
    }

    @Test
    void anUnsignedTokenIsUnauthorized() {
        String[] parts = token.split("\\.");
        String header = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes());
        problem(push(header + "." + parts[1] + ".", oneCreate("dev-1", 2)), 401, "unauthorized");
    }

    @Test
    void anExpiredTokenIsUnauthorized() {
        String expired = jwt.issue(new SyncPrincipal(tenant, "user-1", Set.of(Role.USER)), Duration.ofMinutes(-5));
        JsonNode body = problem(push(expired, oneCreate("dev-1", 2)), 401, "unauthorized");
        assertThat(body.path("detail").asText()).contains("expired");
    }

    @Test
    void aTokenWithoutAPushingRoleIsForbidden() {
        problem(push(token(tenant, "auditor-1", Role.AUDITOR), oneCreate("dev-1", 2)), 403, "forbidden");
    }

    @Test
    void aDeviceOfAnotherUserIsForbidden() {
        problem(push(token(tenant, "user-2", Role.USER), oneCreate("dev-1", 2)), 403, "device_bound_to_other_user");
    }
}
