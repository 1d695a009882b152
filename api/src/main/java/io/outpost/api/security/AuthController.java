package io.outpost.api.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.outpost.api.web.ApiException;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.ProblemCodes;
import io.outpost.api.web.RateLimitedException;
import io.outpost.api.web.dto.TokenRequest;
import io.outpost.api.web.dto.TokenResponse;
import io.outpost.command.api.FieldError;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
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
@Tag(name = "Auth")
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

    @Operation(operationId = "token", summary = "A bearer token for a configured account (no token needed)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = TokenRequest.class))))
    @ProblemCodes({ErrorCode.INVALID_REQUEST, ErrorCode.UNAUTHORIZED})
    @PostMapping(path = "/api/v1/auth/token", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    TokenResponse token(@RequestBody JsonNode body, HttpServletRequest request) {
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
        return new TokenResponse(jwt.issue(principal), "Bearer", jwt.lifetime().toSeconds());
    }
}
