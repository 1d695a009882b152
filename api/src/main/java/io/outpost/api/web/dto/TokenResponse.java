package io.outpost.api.web.dto;

import io.swagger.v3.oas.annotations.media.Schema;

/** The answer to {@code POST /auth/token}: a bearer token and its lifetime in seconds. */
@Schema(requiredProperties = {"accessToken", "tokenType", "expiresIn"})
public record TokenResponse(String accessToken, @Schema(allowableValues = "Bearer") String tokenType,
                            long expiresIn) {
}
