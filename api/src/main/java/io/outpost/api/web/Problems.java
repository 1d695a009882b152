package io.outpost.api.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.command.api.FieldError;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/** Builds RFC 9457 problems: {@code {type, title, status, detail, instance, code, errors?}}. */
public final class Problems {

    private static final String TYPE_BASE = "https://outpost.dev/problems/";

    private Problems() {
    }

    public static ProblemDetail of(ErrorCode code, String detail, List<FieldError> errors) {
        ProblemDetail pd = ProblemDetail.forStatusAndDetail(code.status(), detail);
        pd.setType(URI.create(TYPE_BASE + code.code().replace('_', '-')));
        pd.setTitle(code.title());
        pd.setProperty("code", code.code());
        if (errors != null && !errors.isEmpty()) {
            pd.setProperty("errors", errors.stream()
                    .map(e -> Map.of("field", e.field(), "message", e.message())).toList());
        }
        return pd;
    }

    /**
     * Writes a problem straight to a servlet response, for filters that run outside Spring MVC; {@code instance} is
     * the request's path, as Spring MVC sets it for the problems of controllers.
     */
    public static void write(HttpServletRequest request, HttpServletResponse response, ObjectMapper mapper,
                             ErrorCode code, String detail) throws IOException {
        if (response.isCommitted()) return;
        response.resetBuffer();
        response.setStatus(code.status().value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        ProblemDetail problem = of(code, detail, List.of());
        problem.setInstance(instance(request));
        mapper.writeValue(response.getOutputStream(), problem);
    }

    private static URI instance(HttpServletRequest request) {
        try {
            return URI.create(request.getRequestURI()); // the raw path, already percent-encoded
        } catch (IllegalArgumentException e) {
            return URI.create("/");
        }
    }
}
