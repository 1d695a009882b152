package io.outpost.api.web;

import org.springframework.boot.web.server.MimeMappings;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.server.ConfigurableServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Content types for the browser SDK's files under {@code /sdk/}: {@code .js} is {@code text/javascript} already (what
 * ES modules need), but the default table maps {@code .ts} to {@code video/mp2t} (MPEG transport streams), so the
 * SDK's TypeScript declarations ({@code outpost-sync.d.ts}) would reach a browser as a video. They are text.
 */
@Configuration(proxyBeanMethods = false)
class AppPageConfiguration {

    @Bean
    WebServerFactoryCustomizer<ConfigurableServletWebServerFactory> typeScriptDeclarationsAreText() {
        return factory -> {
            MimeMappings mappings = new MimeMappings();
            mappings.add("ts", "text/plain;charset=UTF-8");
            factory.addMimeMappings(mappings);
        };
    }
}
