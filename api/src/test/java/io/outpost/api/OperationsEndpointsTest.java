package io.outpost.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Health (with database and projection state) and the generated OpenAPI description. */
class OperationsEndpointsTest extends ServerTest {

    @Test
    void healthIsOpenAndShowsDatabaseAndProjectionToAdmins() {
        HttpResponse<String> open = send(HttpRequest.newBuilder(uri("/actuator/health")).GET());
        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(parse(open.body()).path("status").asText()).isEqualTo("UP");
        assertThat(parse(open.body()).has("components")).isFalse();

        String admin = token(anyTenant(), "boss", Role.ADMIN);
        JsonNode details = parse(send(HttpRequest.newBuilder(uri("/actuator/health"))
                .header("Authorization", "Bearer " + admin).GET()).body());
        assertThat(details.path("components").path("database").path("status").asText()).isEqualTo("UP");
        assertThat(details.path("components").path("projection").path("details").has("eventsBehind")).isTrue();
    }

    @Test
    void theOpenApiDescriptionListsTheEndpoints() {
        HttpResponse<String> docs = send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET());
        assertThat(docs.statusCode()).isEqualTo(200);
        JsonNode paths = parse(docs.body()).path("paths");
        assertThat(paths.has("/api/v1/sync/push")).isTrue();
        assertThat(paths.has("/api/v1/sync/pull")).isTrue();
        assertThat(paths.has("/api/v1/conflicts/{conflictId}/resolve")).isTrue();
        assertThat(paths.has("/api/v1/audit/records/{collection}/{id}/history")).isTrue();
        assertThat(send(HttpRequest.newBuilder(uri("/swagger-ui/index.html")).GET()).statusCode()).isEqualTo(200);
    }
}
