package io.outpost.api.config;

import com.fasterxml.jackson.core.StreamReadConstraints;
import io.outpost.api.web.JsonLimits;
import org.springframework.boot.autoconfigure.jackson.Jackson2ObjectMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Jackson's read limits for request bodies ({@link JsonLimits}): nesting at most 64 deep, numbers at most 100
 * characters, strings at most 5 MiB (the body limit). Over them the request is a 400
 * {@code invalid_request}, not a stack overflow or a CPU-bound parse.
 */
@Configuration(proxyBeanMethods = false)
class JsonLimitsConfiguration {

    @Bean
    Jackson2ObjectMapperBuilderCustomizer jsonReadLimits() {
        return builder -> builder.postConfigurer(mapper -> mapper.getFactory().setStreamReadConstraints(
                StreamReadConstraints.builder()
                        .maxNestingDepth(JsonLimits.MAX_NESTING)
                        .maxNumberLength(JsonLimits.MAX_NUMBER_LENGTH)
                        .maxStringLength(JsonLimits.MAX_STRING_LENGTH)
                        .build()));
    }
}
