package io.outpost.api.config;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded Jetty's connection settings. An open {@code /sync/stream} (Server-Sent Events) response lasts up to an
 * hour; with Jetty's default output aggregation every one of them would hold a 32 KiB output buffer from the pool
 * for all that time (10,000 streams: 320 MiB of direct memory). Without aggregation a write goes to the network as it
 * is: Jackson already writes answers in 8 KB pieces, and a poke is three small writes a minute or less. Measured in
 * the stream benchmark (docs/benchmarks.md).
 */
@Configuration(proxyBeanMethods = false)
class WebServerConfiguration {

    /** Writes smaller than this are copied into a pooled buffer first (Jetty's default: a quarter of 32 KiB). */
    static final int OUTPUT_AGGREGATION_BYTES = 0;

    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> jettyOutputBuffers() {
        return factory -> factory.addServerCustomizers(server -> {
            for (var connector : server.getConnectors()) {
                HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
                if (http == null) continue;
                HttpConfiguration config = http.getHttpConfiguration();
                config.setOutputAggregationSize(OUTPUT_AGGREGATION_BYTES);
            }
        });
    }
}
