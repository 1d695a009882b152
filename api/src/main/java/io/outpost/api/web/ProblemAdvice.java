package io.outpost.api.web;

import io.outpost.api.database.DatabaseAvailability;
import io.outpost.api.database.DatabaseFailures;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.outpost.api.security.SecurityEvents;
import io.outpost.api.security.SyncPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.lang.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every request-level error into an RFC 9457 problem with a stable {@code code}. Details never carry stack
 * traces, SQL or exception messages of unknown origin.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    private final DatabaseAvailability availability;
    private final SecurityEvents events;

    public ProblemAdvice(DatabaseAvailability availability, SecurityEvents events) {
        this.availability = availability;
        this.events = events;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> api(ApiException e, HttpServletRequest request) {
        recordRefusal(e, request);
        ResponseEntity<Object> answer = problem(e.code(), e.getMessage(), e);
        if (e instanceof RateLimitedException limited) {
            return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(limited.retryAfterSeconds()))
                    .body(answer.getBody());
        }
        if (e.code() == ErrorCode.UNAUTHORIZED) {
            return ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders())
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").body(answer.getBody());
        }
        return answer;
    }

    /**
     * The refusals a controller decides are security events: a device bound to another user ({@code device_refused})
     * and a 403 {@code forbidden} (e.g. resolving another user's conflict without admin: {@code role_refused}). The
     * filters' refusals (tokens, roles, rate limits) are recorded where they are decided.
     */
    private void recordRefusal(ApiException e, HttpServletRequest request) {
        if (e.code() != ErrorCode.DEVICE_BOUND_TO_OTHER_USER && e.code() != ErrorCode.DEVICE_REVOKED
                && e.code() != ErrorCode.FORBIDDEN) return;
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        SyncPrincipal caller = auth != null && auth.getPrincipal() instanceof SyncPrincipal p ? p : null;
        String tenant = caller == null ? null : caller.tenant();
        String user = caller == null ? null : caller.userId();
        if (e.code() != ErrorCode.FORBIDDEN) {
            String deviceId = e instanceof DeviceRefusedException refused ? refused.deviceId()
                    : request.getParameter("deviceId");
            events.record(SecurityEvents.Type.DEVICE_REFUSED, request, tenant, user, deviceId,
                    e.code() == ErrorCode.DEVICE_REVOKED ? "the device was revoked by an admin"
                            : "the device is bound to another user of the tenant");
        } else {
            events.record(SecurityEvents.Type.ROLE_REFUSED, request, tenant, user, null, e.getMessage());
        }
    }

    @ExceptionHandler({DataAccessException.class, TransactionException.class})
    ResponseEntity<Object> database(Exception e) {
        log.warn("database unavailable or failing: {}", e.toString());
        availability.suspect(e);
        return problem(ErrorCode.SERVICE_UNAVAILABLE, "the database is unavailable; retry later", null);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e) {
        if (DatabaseFailures.isConnectionFailure(e) || availability.confirmedDown()) {
            // e.g. Axon's event store wrapping a lost connection, or any failure while a probe finds the database
            // down (the pool is suspended then): the same prompt 503 as Spring's own exceptions
            return database(e);
        }
        log.error("unexpected error", e);
        return problem(ErrorCode.INTERNAL_ERROR, "an unexpected error occurred", null);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof BodyTooLargeException) {
                return problem(ErrorCode.PAYLOAD_TOO_LARGE, t.getMessage(), null);
            }
            if (t instanceof StreamConstraintsException limit) {
                return problem(ErrorCode.INVALID_REQUEST, overLimit(limit), null);
            }
            if (t instanceof JsonProcessingException json) {
                return problem(ErrorCode.INVALID_REQUEST, "malformed JSON" + where(json) + ": "
                        + json.getOriginalMessage(), null);
            }
        }
        return problem(ErrorCode.INVALID_REQUEST, "the request body is missing or unreadable", null);
    }

    /** Jackson's read limits (JsonLimitsConfiguration) in the client's terms, not Jackson's setting names. */
    private static String overLimit(StreamConstraintsException e) {
        String message = String.valueOf(e.getOriginalMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("nesting")) {
            return "the JSON is nested too deeply: at most " + JsonLimits.MAX_NESTING + " levels of objects and arrays";
        }
        if (message.contains("number")) {
            return "a number in the JSON is too long: at most " + JsonLimits.MAX_NUMBER_LENGTH + " characters";
        }
        if (message.contains("string")) {
            return "a string in the JSON is too long";
        }
        return "the JSON exceeds the server's limits";
    }

    private static String where(JsonProcessingException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        ErrorCode code = codeFor(statusCode);
        String detail = body instanceof ProblemDetail pd && pd.getDetail() != null ? pd.getDetail() : code.title();
        ProblemDetail problem = Problems.of(code, detail, List.of());
        HttpHeaders out = new HttpHeaders();
        out.putAll(headers);
        out.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return new ResponseEntity<>(problem, out, code.status());
    }

    private static ErrorCode codeFor(HttpStatusCode status) {
        return switch (status.value()) {
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCode.NOT_ACCEPTABLE;
            case 409 -> ErrorCode.CONFLICT;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> ErrorCode.RATE_LIMITED;
            case 503 -> ErrorCode.SERVICE_UNAVAILABLE;
            default -> status.is4xxClientError() ? ErrorCode.INVALID_REQUEST : ErrorCode.INTERNAL_ERROR;
        };
    }

    static ResponseEntity<Object> problem(ErrorCode code, String detail, @Nullable ApiException e) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (code.status() == HttpStatus.SERVICE_UNAVAILABLE) headers.set(HttpHeaders.RETRY_AFTER, "1");
        return new ResponseEntity<>(Problems.of(code, detail, e == null ? List.of() : e.errors()), headers,
                code.status());
    }
}
