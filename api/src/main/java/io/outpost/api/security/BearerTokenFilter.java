package io.outpost.api.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <JWT>}. A missing or invalid token leaves the request anonymous; the
 * entry point then answers 401 with the reason kept in {@link #FAILURE_ATTRIBUTE}. A refused token (or another kind
 * of {@code Authorization} header) is a security event: {@code tenant_refused} when its tenant claim is missing or
 * invalid, else {@code token_rejected}; tenant and user only when the token's signature verified. A request without
 * an {@code Authorization} header is not an event.
 */
class BearerTokenFilter extends OncePerRequestFilter {

    static final String FAILURE_ATTRIBUTE = BearerTokenFilter.class.getName() + ".failure";

    private final JwtService jwt;
    private final SecurityEvents events;

    BearerTokenFilter(JwtService jwt, SecurityEvents events) {
        this.jwt = jwt;
        this.events = events;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null) {
            if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                try {
                    SyncPrincipal principal = jwt.verify(header.substring(7).trim());
                    List<SimpleGrantedAuthority> authorities = principal.roles().stream()
                            .map(r -> new SimpleGrantedAuthority("ROLE_" + r.name())).toList();
                    SecurityContextHolder.getContext().setAuthentication(
                            new UsernamePasswordAuthenticationToken(principal, null, authorities));
                } catch (JwtService.InvalidTokenException e) {
                    request.setAttribute(FAILURE_ATTRIBUTE, e.getMessage());
                    events.record(e.tenantRefused() ? SecurityEvents.Type.TENANT_REFUSED
                                    : SecurityEvents.Type.TOKEN_REJECTED, request, e.tenant(), e.userId(), null,
                            e.reason());
                }
            } else {
                request.setAttribute(FAILURE_ATTRIBUTE, "the Authorization header must be 'Bearer <token>'");
                events.record(SecurityEvents.Type.TOKEN_REJECTED, request, null, null, null,
                        "not a bearer token (another Authorization scheme)");
            }
        }
        chain.doFilter(request, response);
    }
}
