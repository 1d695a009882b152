package io.outpost.api.config;

import com.fasterxml.jackson.core.StreamReadConstraints;
import org.springframework.boot.autoconfigure.jackson.Jackson2ObjectMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Jackson's read limits for request bodies: nesting at most {@value #MAX_NESTING} deep, numbers at most
 * {@value #MAX_NUMBER_LENGTH} digits, strings at most 5 MiB (the body limit). Over them the request is a 400
 * {@code invalid_request}, not a stack overflow or a CPU-bound parse.
 */
@Configuration(proxyBeanMethods = false)
class JsonLimitsConfiguration {

    static final int MAX_NESTING = 64;
    static final int MAX_NUMBER_LENGTH = 100;

    @Bean
    Jackson2ObjectMapperBuilderCustomizer jsonReadLimits() {
        return builder -> builder.postConfigurer(mapper -> mapper.getFactory().setStreamReadConstraints(
                StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxStringLength(5 * 1024 * 1024)
                        .build()));
    }
}
