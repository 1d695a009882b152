package io.outpost.api.web;

/** The read limits of request JSON (applied in io.outpost.api.config.JsonLimitsConfiguration, named in problems). */
public final class JsonLimits {

    /** Objects and arrays nest at most this deep. */
    public static final int MAX_NESTING = 64;
    /** A number has at most this many characters. */
    public static final int MAX_NUMBER_LENGTH = 100;
    /** A string has at most this many characters (the body limit). */
    public static final int MAX_STRING_LENGTH = 5 * 1024 * 1024;

    private JsonLimits() {
    }
}
