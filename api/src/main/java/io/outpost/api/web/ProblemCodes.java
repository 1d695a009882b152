package io.outpost.api.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The problem codes an endpoint itself answers with (its own 400s, 403s on devices, 404s, 409s). The OpenAPI document
 * lists them, with those every endpoint of its kind can give (401, role 403, 413, 415, 429, 500, 503: see
 * {@link OpenApiConfiguration}), as that endpoint's error responses.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface ProblemCodes {

    ErrorCode[] value();
}
