package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.spring.JqwikSpringSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.ActiveProfiles;

/**
 * Property-based fuzzing (jqwik): 7,000 generated and mutated push bodies and 3,000 pull queries — wrong types, huge
 * numbers, deep nesting, unicode, duplicate keys, missing fields, garbage. Never a 5xx; every error is a problem with
 * a {@code code}; a 4xx changes nothing in the event store.
 */
@JqwikSpringSupport
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
class FuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String TENANT = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);

    @LocalServerPort
    int port;
    @Autowired
    JwtService jwt;
    @Autowired
    JdbcTemplate jdbc;

    private String token() {
        return jwt.issue(new SyncPrincipal(TENANT, "fuzzer", Set.of(Role.USER)));
    }

    private long events() {
        return jdbc.queryForObject("SELECT count(*) FROM domain_event_entry "
                + "WHERE convert_from(meta_data, 'UTF8')::jsonb ->> 'tenant' = ?", Long.class, TENANT);
    }

    /**
     * Below 500, and a 4xx is a problem with a code that leaks no internals ({@code sent}: what the request carried;
     * an answer may quote a field name the client sent, so a word of it is not counted as a leak).
     */
    private static void assertSaneAnswer(HttpResponse<String> response, String sent) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isLessThan(500);
        if (response.statusCode() >= 400) {
            assertThat(response.headers().firstValue("Content-Type").orElse(""))
                    .startsWith("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.path("code").asText()).isNotBlank();
            for (String internal : java.util.List.of("Exception", "SQL")) {
                if (!sent.contains(internal)) assertThat(response.body()).doesNotContain(internal);
            }
        }
    }

    @Property(tries = 7000)
    void anyPushIsAnsweredSanelyAndA4xxChangesNothing(@ForAll("pushBodies") String body) throws Exception {
        long before = events();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/sync/push"))
                .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertSaneAnswer(response, body);
        if (response.statusCode() >= 400) assertThat(events()).isEqualTo(before);
    }

    @Property(tries = 3000)
    void anyPullIsAnsweredSanely(@ForAll("pullQueries") String query) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/sync/pull?" + query))
                .header("Authorization", "Bearer " + token()).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertSaneAnswer(response, query);
    }

    // ------------------------------------------------------------------------------------------- generators

    private static Arbitrary<String> anyString() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().alpha().numeric().ofMaxLength(20),
                Arbitraries.of("", "null", "p-1", "temp_1", "notes", "pets", "x".repeat(300), "\u0000", "😀",
                        "../../etc", "' OR 1=1 --", "%00"));
    }

    private static Arbitrary<String> anyValue() {
        Arbitrary<String> scalars = Arbitraries.oneOf(
                anyString().map(FuzzTest::quote),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("true", "false", "null", "1e999", "-0", "99999999999999999999999999999999",
                        "[]", "{}", "[[[[[[[[[[]]]]]]]]]]", "9".repeat(150)));
        return Arbitraries.oneOf(scalars, Arbitraries.integers().between(1, 120)
                .map(depth -> "[".repeat(depth) + "]".repeat(depth)));
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            return "\"\"";
        }
    }

    private static Arbitrary<String> operation() {
        Arbitrary<String> type = Arbitraries.oneOf(Arbitraries.of("create", "update", "delete").map(FuzzTest::quote),
                anyValue());
        Arbitrary<String> collection = Arbitraries.oneOf(Arbitraries.of("notes", "pets", "appointments", "dispenses",
                "manual_notes").map(FuzzTest::quote), anyValue());
        Arbitrary<String> id = Arbitraries.oneOf(Arbitraries.of("a", "b", "temp_1").map(FuzzTest::quote), anyValue());
        Arbitrary<String> data = Arbitraries.oneOf(Arbitraries.of("{\"dose\":5}", "{\"title\":\"x\"}",
                "{\"petId\":\"p\",\"title\":\"t\",\"date\":\"2026-01-01T00:00:00Z\"}"), anyValue(),
                anyString().map(k -> "{" + quote(k) + ":1," + quote(k) + ":2}"));
        return Combinators.combine(Arbitraries.longs().between(-5, 50), type, collection, id, data,
                        Arbitraries.oneOf(Arbitraries.longs().between(0, 5).map(String::valueOf), anyValue()),
                        Arbitraries.integers().between(0, 63))
                .as((opId, t, c, i, d, base, omit) -> {
                    StringBuilder op = new StringBuilder("{");
                    String[][] fields = {{"opId", String.valueOf(opId)}, {"type", t}, {"collection", c},
                            {"id", i}, {"data", d}, {"baseVersion", base}};
                    boolean first = true;
                    for (int f = 0; f < fields.length; f++) {
                        if ((omit & (1 << f)) != 0 && f > 0) continue;
                        if (!first) op.append(',');
                        op.append('"').append(fields[f][0]).append("\":").append(fields[f][1]);
                        first = false;
                    }
                    return op.append('}').toString();
                });
    }

    @Provide
    Arbitrary<String> pushBodies() {
        Arbitrary<String> device = Arbitraries.oneOf(Arbitraries.of("fuzz-device").map(FuzzTest::quote), anyValue());
        Arbitrary<String> wellFormed = Combinators.combine(device, operation().list().ofMaxSize(6))
                .as((d, ops) -> "{\"deviceId\":" + d + ",\"operations\":[" + String.join(",", ops) + "]}");
        Arbitrary<String> mutated = Combinators.combine(wellFormed, Arbitraries.integers().between(0, 400),
                        Arbitraries.chars().all())
                .as((body, at, c) -> {
                    int p = Math.min(at, body.length());
                    return body.substring(0, p) + c + body.substring(Math.min(body.length(), p + 1));
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, wellFormed), net.jqwik.api.Tuple.of(3, mutated),
                net.jqwik.api.Tuple.of(1, anyValue()));
    }

    @Provide
    Arbitrary<String> pullQueries() {
        Arbitrary<String> param = Combinators.combine(
                Arbitraries.of("deviceId", "cursor", "limit", "collections", "x"),
                Arbitraries.oneOf(anyString(), Arbitraries.integers().between(-5, 2000).map(String::valueOf),
                        Arbitraries.of("MXwxfDV8fDR8.3emTYiM948Fp6vDW3ArkgLfu-jeYf_CJ0zFGEoRqJ_8", "notes,pets", ",,")))
                .as((k, v) -> k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
        return param.list().ofMaxSize(5).map(list -> String.join("&", list));
    }

}
