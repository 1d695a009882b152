package io.outpost.api.web;

import org.springframework.http.HttpStatus;

/** The stable {@code code} of every request-level problem (docs/errors.md lists them). */
public enum ErrorCode {
    INVALID_REQUEST("invalid_request", HttpStatus.BAD_REQUEST, "Invalid request"),
    TOO_MANY_OPERATIONS("too_many_operations", HttpStatus.BAD_REQUEST, "Too many operations"),
    INVALID_CURSOR("invalid_cursor", HttpStatus.BAD_REQUEST, "Invalid cursor"),
    /** A collection's schema version the device names is older than its min-schema-version (docs/schema-versions.md). */
    UPGRADE_REQUIRED("upgrade_required", HttpStatus.BAD_REQUEST, "App upgrade required"),
    /** A schema version the server does not know: newer than the collection's current one, or malformed. */
    SCHEMA_VERSION_UNSUPPORTED("schema_version_unsupported", HttpStatus.BAD_REQUEST, "Schema version unsupported"),
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "Unauthorized"),
    FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "Forbidden"),
    DEVICE_BOUND_TO_OTHER_USER("device_bound_to_other_user", HttpStatus.FORBIDDEN, "Device belongs to another user"),
    DEVICE_REVOKED("device_revoked", HttpStatus.FORBIDDEN, "Device revoked"),
    NOT_FOUND("not_found", HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED("method_not_allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE("not_acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    CONFLICT("conflict", HttpStatus.CONFLICT, "Conflict"),
    CONFLICT_ALREADY_RESOLVED("conflict_already_resolved", HttpStatus.CONFLICT, "Conflict already resolved"),
    VALIDATION_FAILED("validation_failed", HttpStatus.BAD_REQUEST, "Validation failed"),
    PAYLOAD_TOO_LARGE("payload_too_large", HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    RATE_LIMITED("rate_limited", HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
    INTERNAL_ERROR("internal_error", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error"),
    SERVICE_UNAVAILABLE("service_unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable");

    private final String code;
    private final HttpStatus status;
    private final String title;

    ErrorCode(String code, HttpStatus status, String title) {
        this.code = code;
        this.status = status;
        this.title = title;
    }

    public String code() {
        return code;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }
}
