package io.outpost.api.database;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * While the database is unreachable, every {@code /api/} request (they all need it) is answered at once with 503
 * {@code service_unavailable} and {@code Retry-After: }{@value #RETRY_AFTER_SECONDS}, after authentication, instead of
 * waiting for a connection. Pages, the SDK files and {@code /actuator/health} are served as usual (health says DOWN
 * and why). Nothing is started, so nothing is half-done.
 */
@Component
class DatabaseGateFilter extends OncePerRequestFilter {

    static final int RETRY_AFTER_SECONDS = 2;

    private final DatabaseAvailability availability;
    private final ObjectMapper mapper;

    DatabaseGateFilter(DatabaseAvailability availability, ObjectMapper mapper) {
        this.availability = availability;
        this.mapper = mapper;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith(request.getContextPath() + "/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!availability.isDown()) {
            chain.doFilter(request, response);
            return;
        }
        response.setHeader(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        Problems.write(request, response, mapper, ErrorCode.SERVICE_UNAVAILABLE,
                "the database is unavailable; nothing was changed; retry later");
    }
}
