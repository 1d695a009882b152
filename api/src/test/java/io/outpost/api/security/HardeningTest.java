package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Deeply nested or huge-number JSON is a 400 that changes nothing; security headers; CORS for configured origins. */
@TestPropertySource(properties = "outpost.cors.allowed-origins=https://pharmacy.example.org")
class HardeningTest extends ServerTest {

    @Test
    void absurdJsonIsAnInvalidRequestAndChangesNothing() {
        String tenant = anyTenant();
        String token = userToken(tenant);
        String deep = "[".repeat(200) + "]".repeat(200);
        HttpResponse<String> nested = push(token, "{\"deviceId\":\"d\",\"operations\":[{\"opId\":1,\"type\":\"create\","
                + "\"collection\":\"notes\",\"id\":\"a\",\"data\":{\"x\":" + deep + "}}]}");
        assertThat(nested.statusCode()).isEqualTo(400);
        assertThat(parse(nested.body()).path("code").asText()).isEqualTo("invalid_request");
        assertThat(parse(nested.body()).path("detail").asText()).as("in the client's terms, not Jackson's")
                .isEqualTo("the JSON is nested too deeply: at most 64 levels of objects and arrays")
                .doesNotContain("StreamReadConstraints");
        HttpResponse<String> number = push(token, "{\"deviceId\":\"d\",\"operations\":[{\"opId\":"
                + "9".repeat(5000) + "}]}");
        assertThat(number.statusCode()).isEqualTo(400);
        assertThat(parse(number.body()).path("detail").asText())
                .isEqualTo("a number in the JSON is too long: at most 100 characters");
        HttpResponse<String> broken = push(token, "{\"deviceId\":\"d\",\n \"operations\": [}");
        assertThat(parse(broken.body()).path("detail").asText()).startsWith("malformed JSON at line 2, column ");
        assertThat(footprint(tenant)).isZero();
    }

    @Test
    void responsesCarrySecurityHeaders() {
        HttpResponse<String> r = get(userToken(anyTenant()), "/api/v1/sync/status?deviceId=d");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("no-store"));
    }

    @Test
    void browserAppsOfConfiguredOriginsMayCallTheApiOthersMayNot() {
        HttpResponse<String> allowed = send(HttpRequest.newBuilder(uri("/api/v1/sync/pull?deviceId=d"))
                .header("Origin", "https://pharmacy.example.org")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue("https://pharmacy.example.org");
        HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/api/v1/sync/pull?deviceId=d"))
                .header("Origin", "https://evil.example.com")
                .header("Access-Control-Request-Method", "GET")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(refused.statusCode()).isEqualTo(403);
    }
}
