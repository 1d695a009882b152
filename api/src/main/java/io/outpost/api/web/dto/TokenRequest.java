package io.outpost.api.web.dto;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The body of {@code POST /auth/token}. The controller reads it as JSON itself (so a malformed body gets its own
 * problem); this record describes it in the OpenAPI document.
 */
@Schema(requiredProperties = {"username", "password"})
public record TokenRequest(String username, @Schema(format = "password") String password) {
}
