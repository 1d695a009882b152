package io.outpost.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.sdk.SyncError;
import io.outpost.sdk.TokenProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * JSON over the JDK's HTTP client, as PROTOCOL.md asks: bearer token (one refresh and one retry after a 401), gzip
 * both ways, RFC 9457 problems read for their {@code code}, {@code Retry-After} read on 429/503. Logs method, path
 * and status at DEBUG; never a token or a body.
 */
public final class HttpTransport {

    private static final System.Logger LOG = System.getLogger("io.outpost.sdk.http");

    private final HttpClient http;
    private final URI base;
    private final TokenProvider tokens;
    private final Duration timeout;
    private final ObjectMapper json;
    private final Clock clock;
    private volatile String token;

    public HttpTransport(URI base, TokenProvider tokens, Duration timeout, ObjectMapper json, Clock clock) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b : b + "/");
        this.tokens = tokens;
        this.timeout = timeout;
        this.json = json;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    public JsonNode get(String pathAndQuery) throws TransportException {
        return send("GET", pathAndQuery, null);
    }

    public JsonNode post(String path, JsonNode body) throws TransportException {
        return send("POST", path, body);
    }

    private JsonNode send(String method, String path, JsonNode body) throws TransportException {
        byte[] payload = body == null ? null : gzip(body);
        HttpResponse<InputStream> response = exchange(method, path, payload, false);
        if (response.statusCode() == 401) {
            drain(response);
            response = exchange(method, path, payload, true);
        }
        int status = response.statusCode();
        byte[] bytes = read(response);
        LOG.log(Level.DEBUG, "{0} {1} -> {2} ({3} bytes)", method, path.split("\\?")[0], status, bytes.length);
        if (status / 100 == 2) {
            try {
                return json.readTree(bytes);
            } catch (IOException e) {
                throw new TransportException(new SyncError(SyncError.Kind.SERVER, "the answer is not JSON", status,
                        Optional.empty()), Optional.empty(), e);
            }
        }
        throw failure(response, bytes);
    }

    private HttpResponse<InputStream> exchange(String method, String path, byte[] payload, boolean refreshToken)
            throws TransportException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("Accept-Encoding", "gzip")
                .header("Authorization", "Bearer " + token(refreshToken));
        if (payload == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw offline(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw offline(e);
        }
    }

    /** An open Server-Sent Events stream, line by line (the caller closes it). */
    public HttpResponse<Stream<String>> openStream(String pathAndQuery) throws TransportException {
        for (boolean refresh : new boolean[] {false, true}) {
            HttpRequest request = HttpRequest.newBuilder(base.resolve(pathAndQuery))
                    .header("Accept", "text/event-stream")
                    .header("Authorization", "Bearer " + token(refresh)).GET().build();
            HttpResponse<Stream<String>> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofLines());
            } catch (IOException e) {
                throw offline(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw offline(e);
            }
            if (response.statusCode() == 200) {
                return response;
            }
            response.body().close();
            if (response.statusCode() != 401 || refresh) {
                throw new TransportException(new SyncError(kindOf(response.statusCode()), "stream refused",
                        response.statusCode(), Optional.empty()), retryAfter(response), null);
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private String token(boolean refresh) throws TransportException {
        String current = token;
        if (current == null || refresh) {
            try {
                current = tokens.token(refresh);
            } catch (PasswordLogin.SignInRefused e) {
                throw new TransportException(new SyncError(SyncError.Kind.UNAUTHORIZED, e.getMessage(), 0,
                        Optional.empty()), Optional.empty(), e);
            } catch (IOException e) {
                throw offline(e); // the sign-in found no server: offline, retried like any request
            } catch (Exception e) {
                throw new TransportException(new SyncError(SyncError.Kind.UNAUTHORIZED,
                        "the token provider failed: " + e.getClass().getSimpleName(), 0, Optional.empty()),
                        Optional.empty(), null);
            }
            if (current == null || current.isBlank()) {
                throw new TransportException(new SyncError(SyncError.Kind.UNAUTHORIZED,
                        "the token provider gave no token", 0, Optional.empty()), Optional.empty(), null);
            }
            token = current;
        }
        return current;
    }

    private TransportException failure(HttpResponse<InputStream> response, byte[] bytes) {
        int status = response.statusCode();
        Optional<String> code = Optional.empty();
        String message = "HTTP " + status;
        try {
            JsonNode problem = json.readTree(bytes);
            if (problem != null && problem.isObject()) {
                code = Optional.ofNullable(problem.path("code").textValue());
                message = Optional.ofNullable(problem.path("detail").textValue())
                        .or(() -> Optional.ofNullable(problem.path("title").textValue())).orElse(message);
            }
        } catch (IOException notJson) {
            // keep "HTTP <status>"
        }
        // an app too old for a collection's schema (docs/schema-versions.md): a kind of its own, the runner stops
        SyncError.Kind kind = status == 400 && code.filter("upgrade_required"::equals).isPresent()
                ? SyncError.Kind.UPGRADE_REQUIRED : kindOf(status);
        return new TransportException(new SyncError(kind, message, status, code), retryAfter(response), null);
    }

    private static SyncError.Kind kindOf(int status) {
        return switch (status) {
            case 401 -> SyncError.Kind.UNAUTHORIZED;
            case 403 -> SyncError.Kind.FORBIDDEN;
            case 429, 503 -> SyncError.Kind.BUSY;
            default -> status >= 500 ? SyncError.Kind.SERVER : SyncError.Kind.REFUSED;
        };
    }

    /** {@code Retry-After} as seconds or an HTTP date (RFC 9110 10.2.3), on 429 and 503 only. */
    private Optional<Duration> retryAfter(HttpResponse<?> response) {
        if (response.statusCode() != 429 && response.statusCode() != 503) {
            return Optional.empty();
        }
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    Duration d = Duration.between(clock.instant(), at.toInstant());
                    return Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (RuntimeException notADate) {
                    return Optional.empty();
                }
            }
        });
    }

    private static TransportException offline(Exception e) {
        return new TransportException(new SyncError(SyncError.Kind.OFFLINE,
                "no answer from the server: " + e.getClass().getSimpleName(), 0, Optional.empty()), Optional.empty(), e);
    }

    private static byte[] read(HttpResponse<InputStream> response) throws TransportException {
        boolean gzip = response.headers().firstValue("Content-Encoding").map(v -> v.equalsIgnoreCase("gzip"))
                .orElse(false);
        try (InputStream raw = response.body(); InputStream in = gzip ? new GZIPInputStream(raw) : raw) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw offline(e);
        }
    }

    private static void drain(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            in.readAllBytes();
        } catch (IOException ignored) {
            // the connection is not reused then
        }
    }

    private byte[] gzip(JsonNode body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            json.writeValue(gz, body);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
