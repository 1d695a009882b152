package io.outpost.api.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.RateLimitedException;
import io.outpost.command.api.FieldError;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/auth/token} {@code {"username","password"}} → {@code {accessToken, tokenType, expiresIn}} for
 * the accounts of {@code sync.users}; wrong credentials → 401 (same work for unknown users); rate-limited per client
 * address.
 */
@RestController
class AuthController {

    private final AccountStore accounts;
    private final JwtService jwt;
    private final AuthRateLimiter limiter;
    private final SecurityEvents events;

    AuthController(AccountStore accounts, JwtService jwt, AuthRateLimiter limiter, SecurityEvents events) {
        this.accounts = accounts;
        this.jwt = jwt;
        this.limiter = limiter;
        this.events = events;
    }

    @PostMapping(path = "/api/v1/auth/token", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> token(@RequestBody JsonNode body, HttpServletRequest request) {
        JsonNode username = body == null ? null : body.get("username");
        JsonNode password = body == null ? null : body.get("password");
        long wait = limiter.tryAcquire(request.getRemoteAddr());
        if (wait > 0) {
            String claimed = username != null && username.isTextual() ? username.asText() : null;
            events.record(SecurityEvents.Type.RATE_LIMITED, request, accounts.tenantOf(claimed).orElse(null), claimed,
                    null, "over sync.rate-limit.auth-per-minute for this address");
            throw new RateLimitedException(wait, "too many token requests from this address");
        }
        if (username == null || !username.isTextual() || password == null || !password.isTextual()) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "username and password are required",
                    List.of(new FieldError("username", "string required"),
                            new FieldError("password", "string required")));
        }
        SyncPrincipal principal = accounts.authenticate(username.asText(), password.asText()).orElse(null);
        if (principal == null) {
            // the claimed username, never the password; the tenant only when such an account exists
            events.record(SecurityEvents.Type.LOGIN_FAILED, request,
                    accounts.tenantOf(username.asText()).orElse(null), username.asText(), null,
                    "wrong username or password");
            throw new ApiException(ErrorCode.UNAUTHORIZED, "wrong username or password");
        }
        return Map.of("accessToken", jwt.issue(principal), "tokenType", "Bearer",
                "expiresIn", jwt.lifetime().toSeconds());
    }
}
