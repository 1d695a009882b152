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
     * @throws InvalidTokenException with a reason safe to show the client
     */
    public SyncPrincipal verify(String token) {
        Claims claims;
        try {
            claims = parser.parseSignedClaims(token).getPayload();
        } catch (io.jsonwebtoken.ExpiredJwtException e) {
            throw new InvalidTokenException("the token has expired");
        } catch (JwtException | IllegalArgumentException e) {
            throw new InvalidTokenException("the token is not valid");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isBlank() || sub.length() > 255) throw new InvalidTokenException("the token has no valid sub");
        Object tenant = claims.get("tenant");
        if (!(tenant instanceof String t) || !RecordKey.TENANT.matcher(t).matches()) {
            throw new InvalidTokenException("the token has no valid tenant claim");
        }
        if (claims.getExpiration() == null) throw new InvalidTokenException("the token has no exp claim");
        Set<Role> roles = EnumSet.noneOf(Role.class);
        if (claims.get("roles") instanceof List<?> list) {
            for (Object r : list) {
                if (r instanceof String s) Role.fromClaim(s).ifPresent(roles::add);
            }
        }
        return new SyncPrincipal(t, sub, roles);
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
                .claim("roles", principal.roles().stream().map(Role::claim).sorted().toList())
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(validFor)))
                .signWith(secret.key(), Jwts.SIG.HS256)
                .compact();
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** A token that failed verification; the message is safe to send to the client. */
    public static class InvalidTokenException extends RuntimeException {
        public InvalidTokenException(String message) {
            super(message, null, false, false);
        }
    }
}
