package io.outpost.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * A scripted HTTP server for the SDK's transport behaviour (retries, Retry-After, 401 refresh, gzip, paging): each
 * path answers with a function of the request; every request is recorded with its headers and inflated body.
 */
final class FakeServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    record Request(String method, String path, String query, Map<String, List<String>> headers, JsonNode body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Response(int status, Map<String, String> headers, String body) {
        static Response json(String body) {
            return new Response(200, Map.of(), body);
        }

        static Response status(int status, Map<String, String> headers) {
            return new Response(status, headers, "{\"code\":\"test\",\"status\":" + status + "}");
        }
    }

    private final HttpServer http;
    private final Map<String, Function<Request, Response>> routes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", this::handle);
        http.start();
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + "/api/v1");
    }

    /** {@code path} relative to /api/v1, e.g. {@code sync/push}. */
    FakeServer on(String path, Function<Request, Response> answer) {
        routes.put("/api/v1/" + path, answer);
        return this;
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals("/api/v1/" + path)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                raw = new GZIPInputStream(new java.io.ByteArrayInputStream(raw)).readAllBytes();
            }
            JsonNode body = raw.length == 0 ? null : JSON.readTree(raw);
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()), body);
            requests.add(request);
            Function<Request, Response> route = routes.get(request.path());
            Response response = route == null ? Response.status(404, Map.of()) : route.apply(request);
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            response.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.getResponseHeaders().add("Content-Type", response.status() == 200 ? "application/json"
                    : "application/problem+json");
            exchange.sendResponseHeaders(response.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** A push answer that applies every op as version 1 (creates) or baseVersion + 1. */
    static Response applyAll(Request request) {
        StringBuilder results = new StringBuilder();
        long last = 0;
        for (JsonNode op : request.body().path("operations")) {
            if (!results.isEmpty()) {
                results.append(',');
            }
            last = op.path("opId").asLong();
            String id = op.hasNonNull("id") ? op.get("id").asText() : "srv-" + last;
            results.append("{\"opId\":").append(last).append(",\"status\":\"applied\",\"collection\":\"")
                    .append(op.path("collection").asText()).append("\",\"id\":\"").append(id).append('"')
                    .append(op.hasNonNull("tempId") ? ",\"tempId\":\"" + op.get("tempId").asText() + "\"" : "")
                    .append(",\"version\":").append(op.path("baseVersion").asLong(0) + 1).append('}');
        }
        return Response.json("{\"lastProcessedOpId\":" + last + ",\"results\":[" + results + "]}");
    }

    /** An empty last pull page. */
    static Response emptyPull(Request request) {
        return Response.json("{\"changes\":[],\"cursor\":\"c-end\",\"hasMore\":false,\"lastProcessedOpId\":0}");
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
