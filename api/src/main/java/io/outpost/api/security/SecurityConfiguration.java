package io.outpost.api.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import io.outpost.api.config.CorsProperties;
import io.outpost.api.config.SyncProperties;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import io.outpost.api.web.AppPageController;
import io.outpost.api.web.ErrorCode;
import io.outpost.api.web.Problems;
import io.outpost.api.web.RequestBodyLimitFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may call what. Every endpoint needs a bearer token except health, the token endpoint, the OpenAPI pages, and
 * the Sync Control page with the browser SDK's modules ({@code GET /}, {@code /app/**}, {@code /sdk/**}), which
 * carry a Content-Security-Policy ({@link AppPageController#CONTENT_SECURITY_POLICY}).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /** Bearer tokens, no cookies: browser apps of the configured origins may call every endpoint. */
    private static CorsConfigurationSource corsSource(CorsProperties cors) {
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        if (!cors.allowedOrigins().isEmpty()) {
            CorsConfiguration config = new CorsConfiguration();
            config.setAllowedOrigins(cors.allowedOrigins());
            config.setAllowedMethods(List.of("GET", "POST", "OPTIONS"));
            config.setAllowedHeaders(List.of("Authorization", "Content-Type", "Content-Encoding", "Accept",
                    "Accept-Encoding", "Last-Event-ID"));
            config.setExposedHeaders(List.of("Retry-After", "WWW-Authenticate"));
            config.setMaxAge(3600L);
            source.registerCorsConfiguration("/api/**", config);
        }
        return source;
    }

    /** PROTOCOL.md, Errors: bodies over 5 MiB (after decompression) are answered 413. */
    static final long MAX_BODY_BYTES = 5L * 1024 * 1024;

    /** The page and the SDK: answered with the page's Content-Security-Policy; API answers keep their headers. */
    private static RequestMatcher pageAndSdk() {
        PathPatternRequestMatcher.Builder paths = PathPatternRequestMatcher.withDefaults();
        return new OrRequestMatcher(Arrays.stream(AppPageController.PUBLIC_PATHS)
                .map(p -> (RequestMatcher) paths.matcher(p)).toList());
    }

    @Bean
    SecurityFilterChain api(HttpSecurity http, JwtService jwt, ObjectMapper mapper, SyncProperties sync,
                            CorsProperties cors, SecurityEvents events) throws Exception {
        http.csrf(c -> c.disable())
                .cors(c -> c.configurationSource(corsSource(cors)))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .headers(h -> h.addHeaderWriter(new DelegatingRequestMatcherHeaderWriter(pageAndSdk(),
                                new StaticHeadersWriter("Content-Security-Policy",
                                        AppPageController.CONTENT_SECURITY_POLICY)))
                        // before the handler, not when the response commits: Jetty commits some answers (static
                        // files, actuator's) without the wrapper noticing, and those went out without any of them
                        .addObjectPostProcessor(new ObjectPostProcessor<HeaderWriterFilter>() {
                            @Override
                            public <O extends HeaderWriterFilter> O postProcess(O filter) {
                                filter.setShouldWriteHeadersEagerly(true);
                                return filter;
                            }
                        }))
                .addFilterBefore(new BearerTokenFilter(jwt, events), AnonymousAuthenticationFilter.class)
                .addFilterAfter(new UserRateLimitFilter(sync.rateLimit(), mapper, events), AuthorizationFilter.class)
                .addFilterAfter(new RequestBodyLimitFilter(MAX_BODY_BYTES, mapper), UserRateLimitFilter.class)
                .authorizeHttpRequests(a -> a
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .requestMatchers("/api/v1/auth/token").permitAll()
                        .requestMatchers("/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                        .permitAll()
                        .requestMatchers("/error").permitAll()
                        .requestMatchers(HttpMethod.GET, "/").permitAll()
                        .requestMatchers(HttpMethod.GET, AppPageController.PUBLIC_PATHS).permitAll()
                        .requestMatchers("/api/v1/sync/**", "/api/v1/conflicts", "/api/v1/conflicts/**")
                        .hasAnyRole(Role.USER.name(), Role.ADMIN.name())
                        .requestMatchers("/api/v1/audit/**").hasAnyRole(Role.AUDITOR.name(), Role.ADMIN.name())
                        .requestMatchers("/api/v1/admin/**").hasRole(Role.ADMIN.name())
                        .anyRequest().authenticated())
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, ex) -> {
                            Object reason = request.getAttribute(BearerTokenFilter.FAILURE_ATTRIBUTE);
                            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, reason == null ? "Bearer"
                                    : "Bearer error=\"invalid_token\"");
                            Problems.write(request, response, mapper, ErrorCode.UNAUTHORIZED,
                                    reason == null ? "a bearer token is required" : reason.toString());
                        })
                        .accessDeniedHandler((request, response, ex) -> {
                            recordRoleRefused(events, request);
                            Problems.write(request, response, mapper, ErrorCode.FORBIDDEN,
                                    "your roles do not allow this request");
                        }));
        return http.build();
    }

    /** A {@code role_refused} event for the authenticated caller whose roles do not allow the request. */
    private static void recordRoleRefused(SecurityEvents events, jakarta.servlet.http.HttpServletRequest request) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth != null && auth.getPrincipal() instanceof SyncPrincipal p) {
            String roles = p.roles().stream().map(Role::claim).sorted().reduce((a, b) -> a + "," + b).orElse("none");
            events.record(SecurityEvents.Type.ROLE_REFUSED, request, p.tenant(), p.userId(), null,
                    "the token's roles (" + roles + ") do not allow this request");
        } else {
            events.record(SecurityEvents.Type.ROLE_REFUSED, request, null, null, null,
                    "access denied to a caller without a token principal");
        }
    }

}
