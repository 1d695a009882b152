package io.outpost.api.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.support.ServerTest;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/openapi.json is what the server serves at {@code /v3/api-docs}, for client generators that work from a file.
 * After a change to the API, write it anew with
 * {@code ./mvnw -pl api test -Dtest=OpenApiDocumentTest -Dopenapi.write=true} and commit it.
 */
class OpenApiDocumentTest extends ServerTest {

    @Test
    void theCheckedInDocumentIsTheOneTheServerServes() throws IOException {
        HttpResponse<String> served = send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET());
        assertThat(served.statusCode()).isEqualTo(200);
        Path file = OpenApiDocs.repositoryFile("docs/openapi.json");
        if (Boolean.getBoolean("openapi.write")) {
            String text = served.body().endsWith("\n") ? served.body() : served.body() + "\n";
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
        assertThat(Files.exists(file)).as("docs/openapi.json exists").isTrue();
        JsonNode checkedIn = parse(Files.readString(file, StandardCharsets.UTF_8));
        assertThat(checkedIn)
                .as("docs/openapi.json differs from /v3/api-docs: run ./mvnw -pl api test "
                        + "-Dtest=OpenApiDocumentTest -Dopenapi.write=true and commit the file")
                .isEqualTo(parse(served.body()));
    }
}
