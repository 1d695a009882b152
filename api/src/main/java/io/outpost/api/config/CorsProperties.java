package io.outpost.api.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code outpost.cors.allowed-origins}: origins of browser apps allowed to call the API (e.g.
 * {@code https://pharmacy.example.org}); empty (default): no cross-origin access.
 */
@ConfigurationProperties("outpost.cors")
public record CorsProperties(List<String> allowedOrigins) {

    public CorsProperties {
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    }
}
