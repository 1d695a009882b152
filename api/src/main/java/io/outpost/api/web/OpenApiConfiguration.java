package io.outpost.api.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * The OpenAPI document at {@code /v3/api-docs} (checked in as docs/openapi.json). Controllers describe their own
 * operations and success bodies; this adds what is the same for many of them: the bearer-token scheme (and which
 * operations need no token), and every error answer as an RFC 9457 problem ({@code application/problem+json},
 * schema {@value #PROBLEM}) whose response lists the operation's possible {@code code}s in {@value #PROBLEM_CODES}:
 * those an endpoint answers itself ({@link ProblemCodes} on its method) and those every endpoint of its kind can give
 * (401 without a token, 403 for a role, 400/413/415 for a body, 429, 500, 503), as SecurityConfiguration, the filters
 * and {@link ProblemAdvice} decide them.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

    /** The response extension listing the problem codes an operation may answer with at that status. */
    public static final String PROBLEM_CODES = "x-problem-codes";
    /** The operation extension naming the roles an operation needs (any one of them). */
    public static final String REQUIRED_ROLES = "x-required-roles";
    public static final String PROBLEM = "Problem";
    public static final String PROBLEM_CODE = "ProblemCode";
    public static final String FIELD_ERROR = "ProblemFieldError";
    public static final String BEARER = "bearerAuth";
    public static final String PROBLEM_JSON = "application/problem+json";

    /** Answers to a request for a path or method the document does not list; no operation lists them. */
    public static final Set<ErrorCode> ANY_REQUEST = EnumSet.of(ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.NOT_ACCEPTABLE);

    private static final String JSON_NODE_REF = "#/components/schemas/JsonNode";
    private static final String OWN_CODES = "x-outpost-own-problem-codes";
    private static final String TOKEN_PATH = "/api/v1/auth/token";
    private static final String HEALTH_PATH = "/actuator/health";

    /** Mirrors SecurityConfiguration's role rules: path prefix → the roles that may call it. */
    private static final Map<String, List<String>> ROLES = new LinkedHashMap<>();

    static {
        ROLES.put("/api/v1/sync/", List.of("user", "admin"));
        ROLES.put("/api/v1/conflicts", List.of("user", "admin"));
        ROLES.put("/api/v1/audit/", List.of("auditor", "admin"));
        ROLES.put("/api/v1/admin/", List.of("admin"));
    }

    @Bean
    OpenAPI outpostOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Outpost sync API").version("1.2").description("""
                        The wire contract of the Outpost sync server (PROTOCOL.md, version 1.2). Every operation \
                        needs `Authorization: Bearer <JWT>` except those with an empty `security` list \
                        (`POST /api/v1/auth/token`, `GET /actuator/health`).

                        Errors are RFC 9457 problems (`application/problem+json`, schema `Problem`); clients switch \
                        on `code` (schema `ProblemCode`). Each error response lists the codes that operation can \
                        answer with at that status in the extension `x-problem-codes`. Besides those, any request \
                        may be answered `404 not_found` (an unknown path), `405 method_not_allowed` (a method the \
                        path does not serve) or `406 not_acceptable` (an `Accept` header the operation cannot \
                        satisfy). Bodies of any request are limited to 5 MiB after gzip decompression \
                        (`413 payload_too_large`), and `Content-Encoding` other than gzip is \
                        `415 unsupported_media_type`. docs/errors.md explains every code."""))
                .servers(List.of(new Server().url("/").description("the server that serves this document")))
                .components(new Components().addSecuritySchemes(BEARER, new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
                        .description("A token from POST /api/v1/auth/token, or one signed by a configured "
                                + "external key. Claims: sub, tenant, roles (user, admin, auditor or custom), "
                                + "exp, iat.")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    /** Carries {@link ProblemCodes} of the handler method to {@link #problemResponses()}. */
    @Bean
    OperationCustomizer ownProblemCodes() {
        return (operation, handler) -> {
            ProblemCodes codes = AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), ProblemCodes.class);
            if (codes == null) codes = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(),
                    ProblemCodes.class);
            if (codes != null) {
                operation.addExtension(OWN_CODES, Arrays.stream(codes.value()).map(ErrorCode::name).toList());
            }
            return operation;
        };
    }

    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            Components components = openApi.getComponents();
            components.addSchemas(PROBLEM_CODE, problemCodeSchema());
            components.addSchemas(FIELD_ERROR, new ObjectSchema()
                    .description("One field of a request that was refused, by its path (`operations[1].opId`).")
                    .addProperty("field", new StringSchema()).addProperty("message", new StringSchema())
                    .required(List.of("field", "message")));
            components.addSchemas(PROBLEM, problemSchema());
            components.addSchemas("Health", healthSchema());
            openApi.getPaths().forEach((path, item) -> item.readOperationsMap()
                    .forEach((method, operation) -> describeProblems(path, method, operation)));
            openApi.getPaths().addPathItem(HEALTH_PATH, healthPath());
            components.getSchemas().values().forEach(OpenApiConfiguration::freeFormObjects);
            components.getSchemas().remove("JsonNode");
        };
    }

    /**
     * A JSON object of any shape (record data, a JSON Schema, an event's payload) says so with
     * {@code additionalProperties: true}, and a value of any type ({@code Map<String, Object>}) is {@code {}}: what
     * generators turn into a map and validators accept, where a bare {@code type: object} reads as "no fields".
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void freeFormObjects(Schema<?> schema) {
        if (schema == null || schema.get$ref() != null) return;
        if (schema.getProperties() != null) {
            // a Jackson tree (JsonNode: data, a patch, a JSON Schema) is an object of any shape, null where the
            // record's field may be (OpenAPI 3.0 ignores a nullable beside a $ref, so it cannot say which)
            schema.getProperties().replaceAll((name, p) -> JSON_NODE_REF.equals(((Schema) p).get$ref())
                    ? new ObjectSchema().additionalProperties(true).nullable(true) : p);
            schema.getProperties().values().forEach(p -> freeFormObjects((Schema) p));
        }
        if (schema.getItems() != null) freeFormObjects(schema.getItems());
        if (schema.getAdditionalProperties() instanceof Schema<?> values) {
            if ("object".equals(values.getType()) && values.getProperties() == null && values.get$ref() == null
                    && values.getAdditionalProperties() == null) {
                ((Schema) schema).setAdditionalProperties(new Schema<>());
            } else {
                freeFormObjects(values);
            }
        } else if ("object".equals(schema.getType()) && schema.getProperties() == null
                && schema.getAdditionalProperties() == null) {
            ((Schema) schema).setAdditionalProperties(true);
        }
    }

    private static void describeProblems(String path, PathItem.HttpMethod method, Operation operation) {
        EnumSet<ErrorCode> codes = EnumSet.noneOf(ErrorCode.class);
        Object own = operation.getExtensions() == null ? null : operation.getExtensions().remove(OWN_CODES);
        if (own instanceof List<?> names) names.forEach(n -> codes.add(ErrorCode.valueOf(n.toString())));
        if (operation.getExtensions() != null && operation.getExtensions().isEmpty()) operation.setExtensions(null);

        if (TOKEN_PATH.equals(path)) {
            operation.setSecurity(List.of());
        } else {
            codes.add(ErrorCode.UNAUTHORIZED);
        }
        List<String> roles = ROLES.entrySet().stream().filter(e -> path.startsWith(e.getKey()))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        if (roles != null) {
            codes.add(ErrorCode.FORBIDDEN);
            operation.addExtension(REQUIRED_ROLES, roles);
            String needs = "Needs the role " + String.join(" or ", roles) + ".";
            operation.setDescription(operation.getDescription() == null ? needs
                    : operation.getDescription() + "\n\n" + needs);
        }
        if (operation.getRequestBody() != null) {
            codes.addAll(List.of(ErrorCode.INVALID_REQUEST, ErrorCode.PAYLOAD_TOO_LARGE,
                    ErrorCode.UNSUPPORTED_MEDIA_TYPE));
        }
        codes.addAll(List.of(ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL_ERROR, ErrorCode.SERVICE_UNAVAILABLE));

        ApiResponses responses = operation.getResponses();
        responses.keySet().removeIf(status -> !status.startsWith("2") && !status.startsWith("3"));
        Map<Integer, List<ErrorCode>> byStatus = codes.stream().collect(Collectors.groupingBy(
                c -> c.status().value(), java.util.TreeMap::new, Collectors.toList()));
        byStatus.forEach((status, list) -> responses.addApiResponse(Integer.toString(status), problem(list)));
    }

    private static ApiResponse problem(List<ErrorCode> codes) {
        ApiResponse response = new ApiResponse()
                .description(codes.stream().map(c -> "`" + c.code() + "` (" + c.title() + ")")
                        .collect(Collectors.joining(", ")))
                .content(new Content().addMediaType(PROBLEM_JSON, new MediaType()
                        .schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
        response.addExtension(PROBLEM_CODES, codes.stream().map(ErrorCode::code).toList());
        int status = codes.get(0).status().value();
        if (status == 401) {
            response.addHeaderObject("WWW-Authenticate", new Header().required(true).description(
                    "`Bearer`, or `Bearer error=\"invalid_token\"` for a token that was refused")
                    .schema(new StringSchema()));
        }
        if (status == 429 || status == 503) {
            response.addHeaderObject("Retry-After", new Header().required(true)
                    .description("seconds to wait before retrying").schema(new IntegerSchema()));
        }
        return response;
    }

    private static Schema<?> problemCodeSchema() {
        StringSchema schema = new StringSchema();
        schema.description("The stable code of a problem (docs/errors.md): "
                + Arrays.stream(ErrorCode.values()).map(c -> "`" + c.code() + "` (" + c.status().value() + ")")
                .collect(Collectors.joining(", ")) + ".");
        Arrays.stream(ErrorCode.values()).forEach(c -> schema.addEnumItem(c.code()));
        return schema;
    }

    private static Schema<?> problemSchema() {
        return new ObjectSchema()
                .description("An RFC 9457 problem. `code` is stable, `detail` is for people and may change.")
                .addProperty("type", new StringSchema().format("uri")
                        .example("https://outpost.dev/problems/invalid-request"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema().format("uri-reference")
                        .description("the request's path"))
                .addProperty("code", new Schema<>().$ref("#/components/schemas/" + PROBLEM_CODE))
                .addProperty("errors", new ArraySchema().description("the fields at fault, when known")
                        .items(new Schema<>().$ref("#/components/schemas/" + FIELD_ERROR)))
                .required(new ArrayList<>(List.of("type", "title", "status", "detail", "instance", "code")));
    }

    private static Schema<?> healthSchema() {
        ObjectSchema schema = new ObjectSchema();
        schema.description("Spring Boot Actuator's health: `components` only for a caller with an admin token.")
                .addProperty("status", new StringSchema()._enum(List.of("UP", "DOWN", "OUT_OF_SERVICE", "UNKNOWN")))
                .addProperty("components", new ObjectSchema().additionalProperties(true))
                .addProperty("groups", new ArraySchema().items(new StringSchema()))
                .required(new ArrayList<>(List.of("status")));
        return schema;
    }

    private static PathItem healthPath() {
        Content health = new Content();
        for (String type : List.of("application/vnd.spring-boot.actuator.v3+json", "application/json")) {
            health.addMediaType(type, new MediaType().schema(new Schema<>().$ref("#/components/schemas/Health")));
        }
        Operation get = new Operation().operationId("health").addTagsItem("Operations").security(List.of())
                .summary("Whether this node is up (database reachable, event processing running)")
                .responses(new ApiResponses()
                        .addApiResponse("200", new ApiResponse().description("up").content(health))
                        .addApiResponse("503", new ApiResponse().description("down").content(health)));
        return new PathItem().get(get);
    }
}
