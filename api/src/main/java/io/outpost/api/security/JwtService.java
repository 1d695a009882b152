package io.outpost.api.security;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
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

/** Verifies bearer tokens and issues tokens signed with the server's HS256 key. */
@Service
public class JwtService {

    private final JwtSecret secret;
    private final Clock clock;
    private final Duration lifetime;
    private final JwtParser parser;

    public JwtService(JwtSecret secret, SyncProperties sync, Clock clock, ExternalKeys external) {
        this.secret = secret;
        this.clock = clock;
        this.lifetime = sync.security().jwt().lifetime();
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
                .clockSkewSeconds(30)
                .build();
    }

    /**
     * @throws InvalidTokenException with a reason safe to show the client, and for the security events a reason of
     *                               our own wording and the tenant and user when the signature verified
     */
    public SyncPrincipal verify(String token) {
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
        return new SyncPrincipal(tenant, sub, roles, names);
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
