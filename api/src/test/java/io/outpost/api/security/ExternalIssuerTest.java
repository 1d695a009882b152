package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;
import io.outpost.api.support.ServerTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tokens from an external identity provider: RS256 verified against {@code sync.security.jwt.public-key}, ES256
 * against a JWKS served (on loopback) at {@code sync.security.jwt.jwks-uri}; tokens signed by other keys are 401.
 */
class ExternalIssuerTest extends ServerTest {

    private static final KeyPair RSA = generate("RSA", null);
    private static final KeyPair EC = generate("EC", "secp256r1");
    private static final KeyPair STRANGER = generate("RSA", null);
    private static final HttpServer JWKS = serveJwks();

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (curve != null) generator.initialize(new ECGenParameterSpec(curve));
            else generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | java.security.InvalidAlgorithmParameterException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpServer serveJwks() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            String jwks = "{\"keys\":[" + Jwks.json(Jwks.builder().key((java.security.interfaces.ECPublicKey)
                    EC.getPublic()).id("ec-1").build()) + "]}";
            server.createContext("/jwks", exchange -> {
                byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void externalIssuer(DynamicPropertyRegistry registry) {
        registry.add("sync.security.jwt.public-key", () -> "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(RSA.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----");
        registry.add("sync.security.jwt.jwks-uri", () -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/jwks");
    }

    @AfterAll
    static void stopJwks() {
        JWKS.stop(0);
    }

    private static String tokenSignedBy(PrivateKey key, String kid) {
        var builder = Jwts.builder().subject("idp-user").claim("tenant", "idp-tenant").claim("roles", List.of("user"))
                .issuedAt(new Date()).expiration(Date.from(Instant.now().plusSeconds(600)));
        if (kid != null) builder.header().keyId(kid).and();
        return builder.signWith(key).compact();
    }

    @Test
    void rs256TokensOfTheConfiguredPublicKeyAreAccepted() {
        assertThat(get(tokenSignedBy(RSA.getPrivate(), null), "/api/v1/sync/status?deviceId=idp-1").statusCode())
                .isEqualTo(200);
    }

    @Test
    void es256TokensOfAKeyInTheJwksAreAccepted() {
        assertThat(get(tokenSignedBy(EC.getPrivate(), "ec-1"), "/api/v1/sync/status?deviceId=idp-2").statusCode())
                .isEqualTo(200);
    }

    @Test
    void tokensOfOtherKeysAreRejected() {
        assertThat(get(tokenSignedBy(STRANGER.getPrivate(), null), "/api/v1/sync/status?deviceId=idp-3")
                .statusCode()).isEqualTo(401);
        assertThat(get(tokenSignedBy(STRANGER.getPrivate(), "ec-1"), "/api/v1/sync/status?deviceId=idp-3")
                .statusCode()).isEqualTo(401);
        assertThat(get(userToken("idp-tenant"), "/api/v1/sync/status?deviceId=idp-4").statusCode())
                .as("our own HS256 tokens still work").isEqualTo(200);
    }
}
