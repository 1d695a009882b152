package io.outpost.api.web;

import java.io.IOException;

/** Thrown while reading a request body that is, or inflates to, more than the limit. */
public class BodyTooLargeException extends IOException {

    public BodyTooLargeException(long limit) {
        super("request body exceeds " + limit + " bytes", null);
    }
}
