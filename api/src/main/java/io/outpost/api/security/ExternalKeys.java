package io.outpost.api.security;

import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.outpost.api.config.SyncProperties;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keys of an external token issuer: {@code sync.security.jwt.public-key} (PEM, RSA or EC) and/or
 * {@code sync.security.jwt.jwks-uri} (fetched on first use, refreshed every {@link #REFRESH}, and at most once a
 * minute when a token names an unknown {@code kid}).
 */
@Component
class ExternalKeys {

    static final Duration REFRESH = Duration.ofMinutes(10);
    private static final Logger log = LoggerFactory.getLogger(ExternalKeys.class);

    private final PublicKey publicKey;
    private final URI jwksUri;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Map<String, Key> byKid = Map.of();
    private volatile Instant fetchedAt = Instant.EPOCH;

    ExternalKeys(SyncProperties sync, Clock clock) {
        SyncProperties.Jwt jwt = sync.security().jwt();
        this.publicKey = jwt.publicKey() == null || jwt.publicKey().isBlank() ? null : pem(jwt.publicKey());
        this.jwksUri = jwt.jwksUri() == null || jwt.jwksUri().isBlank() ? null : URI.create(jwt.jwksUri());
        this.clock = clock;
    }

    boolean configured() {
        return publicKey != null || jwksUri != null;
    }

    /**
     * The key for an asymmetric token: the JWKS key named by {@code kid}, else the configured public key, else the
     * only JWKS key of the algorithm's family; always of the family the token's {@code alg} names (RSA for RS/PS, EC
     * for ES).
     */
    Optional<Key> find(String kid, String alg) {
        String family = alg.startsWith("ES") ? "EC" : "RSA";
        if (jwksUri != null) {
            Instant now = clock.instant();
            boolean stale = fetchedAt.plus(REFRESH).isBefore(now);
            boolean unknown = kid != null && !byKid.containsKey(kid)
                    && fetchedAt.plus(Duration.ofMinutes(1)).isBefore(now);
            if (stale || unknown) refresh(now);
            if (kid != null && byKid.containsKey(kid)) {
                Key key = byKid.get(kid);
                return family.equals(key.getAlgorithm()) ? Optional.of(key) : Optional.empty();
            }
        }
        if (publicKey != null && family.equals(publicKey.getAlgorithm())) return Optional.of(publicKey);
        if (kid == null) {
            List<Key> candidates = byKid.values().stream().filter(k -> family.equals(k.getAlgorithm())).toList();
            if (candidates.size() == 1) return Optional.of(candidates.get(0));
        }
        return Optional.empty();
    }

    private synchronized void refresh(Instant now) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(jwksUri).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) throw new IllegalStateException("HTTP " + response.statusCode());
            JwkSet set = Jwks.setParser().build().parse(response.body());
            Map<String, Key> keys = new ConcurrentHashMap<>();
            for (Jwk<?> jwk : set) {
                if (jwk.getId() != null) keys.put(jwk.getId(), jwk.toKey());
            }
            byKid = keys;
        } catch (Exception e) {
            log.warn("cannot fetch the JWKS from {}: {}", jwksUri, e.toString());
        } finally {
            fetchedAt = now;
        }
    }

    private static PublicKey pem(String text) {
        String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        for (String algorithm : new String[]{"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new IllegalStateException("sync.security.jwt.public-key is not a PEM RSA or EC public key");
    }
}
