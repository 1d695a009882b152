package io.outpost.api.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.outpost.api.config.OutpostProperties;
import io.outpost.api.config.SyncProperties;
import io.outpost.command.api.RecordKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Service;

/**
 * Verifies bearer tokens and issues tokens signed with the server's HS256 key. A token that verified is remembered
 * (bounded in bytes, {@code outpost.tokens.*}) until its expiry or for at most the cache's time to live, whichever
 * comes first, so a device's next request skips the signature check and the parsing; refused tokens are never
 * remembered, so each refusal is checked (and recorded as a security event) again.
 */
@Service
public class JwtService {

    /** Clock skew allowed on {@code exp} (and {@code nbf}), by jjwt and by the cache alike. */
    static final long SKEW_SECONDS = 30;
    /** Heap of a cache entry besides the token's characters: the entry, the key's String, the principal, its sets. */
    static final int ENTRY_OVERHEAD_BYTES = 400;

    private final JwtSecret secret;
    private final Clock clock;
    private final Duration lifetime;
    private final JwtParser parser;
    /** Token → what it verified to, and until when; null when {@code outpost.tokens.verified-cache-max-bytes} is 0. */
    private final Cache<String, Verified> verified;

    private record Verified(SyncPrincipal principal, Instant validUntil) {
    }

    public JwtService(JwtSecret secret, SyncProperties sync, Clock clock, ExternalKeys external,
                      OutpostProperties outpost, MeterRegistry meters) {
        this.secret = secret;
        this.clock = clock;
        this.lifetime = sync.security().jwt().lifetime();
        long maxBytes = outpost.tokens().verifiedCacheMaxBytes().toBytes();
        if (maxBytes > 0) {
            this.verified = Caffeine.newBuilder().maximumWeight(maxBytes)
                    .weigher((String token, Verified v) -> 2 * token.length() + ENTRY_OVERHEAD_BYTES)
                    .expireAfterWrite(outpost.tokens().verifiedCacheTtl())
                    .ticker(() -> clock.millis() * 1_000_000L) // the server's clock, as for exp
                    .recordStats().build();
            CaffeineCacheMetrics.monitor(meters, verified, "verifiedTokens");
        } else {
            this.verified = null;
        }
        this.parser = Jwts.parser()
                .keyLocator(header -> {
                    String alg = header instanceof io.jsonwebtoken.ProtectedHeader p ? p.getAlgorithm() : null;
                    if ("HS256".equals(alg)) return secret.key();
                    if (alg != null && (alg.startsWith("RS") || alg.startsWith("ES") || alg.startsWith("PS"))
                            && external.configured()) {
                        String kid = header instanceof io.jsonwebtoken.ProtectedHeader p ? p.getKeyId() : null;
                        return external.find(kid, alg).orElseThrow(() -> new io.jsonwebtoken.security.InvalidKeyException(
                                "no key for this token"));
                    }
                    throw new io.jsonwebtoken.security.InvalidKeyException("unsupported token algorithm");
                })
                .clock(() -> Date.from(clock.instant()))
                .clockSkewSeconds(SKEW_SECONDS)
                .build();
    }

    /**
     * @throws InvalidTokenException with a reason safe to show the client, and for the security events a reason of
     *                               our own wording and the tenant and user when the signature verified
     */
    public SyncPrincipal verify(String token) {
        if (verified != null && token != null) {
            Verified known = verified.getIfPresent(token);
            if (known != null) {
                if (clock.instant().isBefore(known.validUntil())) return known.principal();
                verified.invalidate(token); // expired since: verified again below, which refuses it as jjwt words it
            }
        }
        Verified fresh = parse(token);
        if (verified != null) verified.put(token, fresh);
        return fresh.principal();
    }

    /** The signature and claims checked by jjwt; valid until {@code exp} plus the allowed skew. */
    private Verified parse(String token) {
        Claims claims;
        try {
            claims = parser.parseSignedClaims(token).getPayload();
        } catch (io.jsonwebtoken.ExpiredJwtException e) {
            // thrown only after the signature verified: its claims are the issuer's
            Claims expired = e.getClaims();
            throw new InvalidTokenException("the token has expired", "expired", false,
                    expired == null ? null : validTenant(expired.get("tenant")),
                    expired == null ? null : validSub(expired.getSubject()));
        } catch (JwtException | IllegalArgumentException e) {
            throw new InvalidTokenException("the token is not valid", refusal(e), false, null, null);
        }
        String sub = validSub(claims.getSubject());
        String tenant = validTenant(claims.get("tenant"));
        if (sub == null) {
            throw new InvalidTokenException("the token has no valid sub", "no valid sub claim", false, tenant, null);
        }
        if (tenant == null) {
            throw new InvalidTokenException("the token has no valid tenant claim", "no valid tenant claim", true, null,
                    sub);
        }
        if (claims.getExpiration() == null) {
            throw new InvalidTokenException("the token has no exp claim", "no exp claim", false, tenant, sub);
        }
        Set<Role> roles = EnumSet.noneOf(Role.class);
        Set<String> names = new java.util.HashSet<>();
        if (claims.get("roles") instanceof List<?> list) {
            for (Object r : list) {
                if (r instanceof String s && SyncPrincipal.ROLE_NAME.matcher(s).matches()) {
                    names.add(s);
                    Role.fromClaim(s).ifPresent(roles::add);
                }
            }
        }
        return new Verified(new SyncPrincipal(tenant, sub, roles, names),
                claims.getExpiration().toInstant().plusSeconds(SKEW_SECONDS));
    }

    private static String validSub(String sub) {
        return sub == null || sub.isBlank() || sub.length() > 255 ? null : sub;
    }

    private static String validTenant(Object tenant) {
        return tenant instanceof String t && RecordKey.isValidTenant(t) ? t : null;
    }

    /** Why jjwt refused a token, in fixed words of ours (its messages may quote the token's header or claims). */
    private static String refusal(RuntimeException e) {
        if (e instanceof io.jsonwebtoken.security.SignatureException) return "bad signature";
        if (e instanceof io.jsonwebtoken.UnsupportedJwtException) {
            String m = String.valueOf(e.getMessage());
            return m.contains("'none'") || m.contains("nsecured") || m.contains("nprotected")
                    ? "unsigned token (alg none)" : "unsupported token";
        }
        if (e instanceof io.jsonwebtoken.security.InvalidKeyException) {
            // our key locator's own words, else jjwt's (which may quote the header): not kept
            String m = e.getMessage();
            return "unsupported token algorithm".equals(m) || "no key for this token".equals(m) ? m : "key refused";
        }
        if (e instanceof io.jsonwebtoken.MalformedJwtException) return "malformed token";
        if (e instanceof io.jsonwebtoken.security.SecurityException) return "signature or key check failed";
        if (e instanceof IllegalArgumentException) return "empty or unreadable token";
        return "invalid token";
    }

    /** A token for {@code principal} valid for {@code sync.security.jwt.lifetime}. */
    public String issue(SyncPrincipal principal) {
        return issue(principal, lifetime);
    }

    public String issue(SyncPrincipal principal, Duration validFor) {
        Instant now = clock.instant();
        return Jwts.builder()
                .subject(principal.userId())
                .claim("tenant", principal.tenant())
                .claim("roles", principal.roleNames().stream().sorted().toList())
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(validFor)))
                .signWith(secret.key(), Jwts.SIG.HS256)
                .compact();
    }

    public Duration lifetime() {
        return lifetime;
    }

    /**
     * A token that failed verification; the message is safe to send to the client. {@link #reason()} says why in
     * more detail for the security events (never a part of the token); {@link #tenant()} and {@link #userId()} are
     * set only when the token's signature verified, so they are the issuer's, not a forger's.
     */
    public static class InvalidTokenException extends RuntimeException {

        private final String reason;
        private final boolean tenantRefused;
        private final String tenant;
        private final String userId;

        public InvalidTokenException(String message) {
            this(message, message, false, null, null);
        }

        InvalidTokenException(String message, String reason, boolean tenantRefused, String tenant, String userId) {
            super(message, null, false, false);
            this.reason = reason;
            this.tenantRefused = tenantRefused;
            this.tenant = tenant;
            this.userId = userId;
        }

        public String reason() {
            return reason;
        }

        /** True when the token was refused for its tenant claim (missing or invalid). */
        public boolean tenantRefused() {
            return tenantRefused;
        }

        public String tenant() {
            return tenant;
        }

        public String userId() {
            return userId;
        }
    }
}
