package io.outpost.api.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.security.Role;
import io.outpost.api.support.ServerTest;
import io.outpost.api.web.AppPageController;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.OpenApiConfiguration;
import io.outpost.command.api.RejectionCode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The OpenAPI document at {@code /v3/api-docs} lists every endpoint Spring MVC serves, with real schemas, and every
 * problem code of {@link ErrorCode} and docs/errors.md.
 */
class OpenApiCompletenessTest extends ServerTest {

    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");
    /** Documented by hand (OpenApiConfiguration): not a Spring MVC handler. */
    private static final String HEALTH = "GET /actuator/health";

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    private RequestMappingHandlerMapping mappings;

    private JsonNode doc;

    @BeforeEach
    void fetchDocument() {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(uri("/v3/api-docs")).GET());
        assertThat(answer.statusCode()).isEqualTo(200);
        doc = parse(answer.body());
    }

    @Test
    void everyHandlerOfOursIsAnOperationAndNothingElseIs() {
        Set<String> served = new TreeSet<>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            // springdoc's own and Spring Boot's /error are not ours; the Sync Control page is HTML, not API
            if (!handler.getBeanType().getPackageName().startsWith("io.outpost")) return;
            if (handler.getBeanType() == AppPageController.class) return;
            for (String pattern : info.getPatternValues()) {
                info.getMethodsCondition().getMethods().forEach(m -> served.add(m.name() + " " + pattern));
            }
        });
        assertThat(served).as("handlers found").hasSizeGreaterThan(15);
        Set<String> documented = operations().keySet();
        assertThat(documented).containsAll(served);
        Set<String> extra = new TreeSet<>(documented);
        extra.removeAll(served);
        assertThat(extra).containsExactly(HEALTH);
    }

    @Test
    void everyOperationHasAnIdASuccessSchemaAndProblemResponses() {
        Set<String> ids = new HashSet<>();
        operations().forEach((name, operation) -> {
            assertThat(ids.add(operation.path("operationId").asText())).as(name + " has a unique operationId")
                    .isTrue();
            assertThat(operation.path("summary").asText()).as(name + " has a summary").isNotBlank();
            boolean success = false;
            for (var it = operation.path("responses").fields(); it.hasNext(); ) {
                var response = it.next();
                int status = Integer.parseInt(response.getKey());
                JsonNode content = response.getValue().path("content");
                if (status < 400 || name.equals(HEALTH)) { // health's 503 is Actuator's own body, not a problem
                    success = true;
                    JsonNode json = content.path("application/json").path("schema");
                    if (!json.isMissingNode()) {
                        assertThat(isReal(json)).as(name + " " + status + " has a named schema, not " + json)
                                .isTrue();
                    }
                    continue;
                }
                assertThat(fieldNames(content)).as(name + " " + status).containsExactly("application/problem+json");
                assertThat(content.path("application/problem+json").path("schema").path("$ref").asText())
                        .isEqualTo("#/components/schemas/" + OpenApiConfiguration.PROBLEM);
                JsonNode codes = response.getValue().path(OpenApiConfiguration.PROBLEM_CODES);
                assertThat(codes.size()).as(name + " " + status + " lists its problem codes").isPositive();
                codes.forEach(code -> assertThat(errorCode(code.asText()).status().value())
                        .as(name + ": " + code + " at " + status).isEqualTo(status));
            }
            assertThat(success).as(name + " has a success response").isTrue();
        });
    }

    @Test
    void onlyTheTokenEndpointAndHealthNeedNoToken() {
        assertThat(doc.path("security").get(0).has(OpenApiConfiguration.BEARER)).isTrue();
        assertThat(doc.path("components").path("securitySchemes").path(OpenApiConfiguration.BEARER)
                .path("scheme").asText()).isEqualTo("bearer");
        Set<String> open = new TreeSet<>();
        operations().forEach((name, operation) -> {
            if (operation.has("security")) {
                assertThat(operation.path("security").size()).as(name).isZero();
                open.add(name);
            } else {
                assertThat(codesOf(operation)).as(name + " answers 401 without a token").contains("unauthorized");
            }
        });
        assertThat(open).containsExactly("GET /actuator/health", "POST /api/v1/auth/token");
    }

    @Test
    void everyProblemCodeIsDocumentedAndAnsweredBySomeOperation() throws IOException {
        Set<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(errorsMd()).as("docs/errors.md lists the codes of ErrorCode with their statuses")
                .isEqualTo(Arrays.stream(ErrorCode.values()).collect(Collectors.toMap(ErrorCode::code,
                        c -> c.status().value(), (a, b) -> a, TreeMap::new)));
        Set<String> inSchema = new TreeSet<>();
        doc.path("components").path("schemas").path(OpenApiConfiguration.PROBLEM_CODE).path("enum")
                .forEach(c -> inSchema.add(c.asText()));
        assertThat(inSchema).isEqualTo(codes);

        Set<String> answered = new TreeSet<>();
        operations().values().forEach(operation -> answered.addAll(codesOf(operation)));
        Set<String> expected = new TreeSet<>(codes);
        OpenApiConfiguration.ANY_REQUEST.forEach(c -> expected.remove(c.code()));
        assertThat(answered).isEqualTo(expected);
    }

    @Test
    void theOperationLevelErrorCodesAreThoseOfTheCommandSide() {
        Set<String> documented = new TreeSet<>();
        doc.path("components").path("schemas").path("OperationError").path("properties").path("code").path("enum")
                .forEach(c -> documented.add(c.asText()));
        assertThat(documented).isEqualTo(Arrays.stream(RejectionCode.values()).map(RejectionCode::wire)
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    /**
     * {@code x-required-roles} (OpenApiConfiguration mirrors SecurityConfiguration) says what the server enforces: a
     * token with a role outside the list is refused 403, one with a listed role is not. The stream (it stays open) and
     * a rebuild (it would start one) are only checked for refusals.
     */
    @Test
    void theDocumentedRolesAreTheOnesTheServerEnforces() {
        String tenant = anyTenant();
        operations().forEach((name, operation) -> {
            if (name.equals(HEALTH) || name.equals("POST /api/v1/auth/token")) return;
            Set<String> roles = new TreeSet<>();
            operation.path(OpenApiConfiguration.REQUIRED_ROLES).forEach(r -> roles.add(r.asText()));
            String method = name.substring(0, name.indexOf(' '));
            String path = name.substring(name.indexOf(' ') + 1).replace("{collection}", "notes")
                    .replace("{id}", "x").replace("{conflictId}", "c-x").replace("{deviceId}", "d-x");
            for (Role role : Role.values()) {
                boolean allowed = roles.isEmpty() || roles.contains(role.claim());
                if (allowed && (path.endsWith("/stream") || path.endsWith("/rebuild"))) continue;
                HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                        .header("Authorization", "Bearer " + token(tenant, "u-" + role.claim(), role));
                if (method.equals("POST")) {
                    request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
                }
                HttpResponse<String> answer = send(request);
                boolean refused = answer.statusCode() == 403
                        && parse(answer.body()).path("code").asText().equals("forbidden");
                assertThat(refused).as(name + " with role " + role.claim() + " (documented: " + roles + "): "
                        + answer.statusCode()).isEqualTo(!allowed);
            }
        });
    }

    /** "METHOD /path" → operation. */
    private Map<String, JsonNode> operations() {
        Map<String, JsonNode> operations = new TreeMap<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (HTTP_METHODS.contains(op.getKey())) {
                operations.put(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey(), op.getValue());
            }
        }));
        return operations;
    }

    private static Set<String> codesOf(JsonNode operation) {
        Set<String> codes = new TreeSet<>();
        operation.path("responses").forEach(r -> r.path(OpenApiConfiguration.PROBLEM_CODES)
                .forEach(c -> codes.add(c.asText())));
        return codes;
    }

    /** A $ref, or an array of $refs: not an {@code object} or {@code string} placeholder. */
    private static boolean isReal(JsonNode schema) {
        if (schema.has("$ref")) return true;
        return "array".equals(schema.path("type").asText()) && schema.path("items").has("$ref");
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static ErrorCode errorCode(String code) {
        return Arrays.stream(ErrorCode.values()).filter(c -> c.code().equals(code)).findFirst()
                .orElseThrow(() -> new AssertionError("not an ErrorCode: " + code));
    }

    /** The request-level table of docs/errors.md: code → status. */
    private static Map<String, Integer> errorsMd() throws IOException {
        String text = Files.readString(OpenApiDocs.repositoryFile("docs/errors.md"), StandardCharsets.UTF_8);
        String requestLevel = text.substring(0, text.indexOf("## Operation-level"));
        Map<String, Integer> codes = new TreeMap<>();
        Matcher row = Pattern.compile("(?m)^\\| (\\d{3}) \\| `([a-z_]+)` \\|").matcher(requestLevel);
        while (row.find()) codes.put(row.group(2), Integer.parseInt(row.group(1)));
        return codes;
    }
}
