package io.outpost.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.sdk.TokenProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Tokens from the server's own accounts: {@code POST /auth/token}, again when a token is refused. The password stays
 * in memory only; neither it nor the token is logged or printed ({@link #toString()}).
 */
public final class PasswordLogin implements TokenProvider {

    private final URI endpoint;
    private final String username;
    private final String password;
    private final Duration timeout;
    private final ObjectMapper json;
    private final HttpClient http;
    private volatile String token;

    public PasswordLogin(URI base, String username, String password, Duration timeout, ObjectMapper json) {
        String b = base.toString();
        this.endpoint = URI.create(b.endsWith("/") ? b : b + "/").resolve("auth/token");
        this.username = username;
        this.password = password;
        this.timeout = timeout;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String token(boolean refresh) throws IOException, InterruptedException {
        String current = token;
        if (current != null && !refresh) {
            return current;
        }
        byte[] body = json.writeValueAsBytes(json.createObjectNode().put("username", username).put("password", password));
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(endpoint).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new SignInRefused("sign-in as " + username + " refused: HTTP " + response.statusCode());
        }
        JsonNode answer = json.readTree(response.body());
        current = answer.path("accessToken").textValue();
        if (current == null) {
            throw new IOException("sign-in answer without accessToken");
        }
        token = current;
        return current;
    }

    /** The server answered the sign-in, with a refusal (wrong password, unknown user, rate limit). */
    public static final class SignInRefused extends IOException {
        SignInRefused(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "PasswordLogin[" + username + "]";
    }
}
