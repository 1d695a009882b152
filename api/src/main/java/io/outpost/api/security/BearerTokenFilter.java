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
 * entry point then answers 401 with the reason kept in {@link #FAILURE_ATTRIBUTE}.
 */
class BearerTokenFilter extends OncePerRequestFilter {

    static final String FAILURE_ATTRIBUTE = BearerTokenFilter.class.getName() + ".failure";

    private final JwtService jwt;

    BearerTokenFilter(JwtService jwt) {
        this.jwt = jwt;
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
                }
            } else {
                request.setAttribute(FAILURE_ATTRIBUTE, "the Authorization header must be 'Bearer <token>'");
            }
        }
        chain.doFilter(request, response);
    }
}
