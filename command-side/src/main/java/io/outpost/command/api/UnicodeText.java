package io.outpost.command.api;

/**
 * Whether a Java string is Unicode text. A JSON string may escape half of a surrogate pair ({@code "\ud800"} alone);
 * Jackson reads it into a Java string, but it is no text: UTF-8 cannot encode it (the JDBC driver and
 * {@code String.getBytes} put a {@code ?} in its place) and Jackson's UTF-8 generator refuses to copy it. Record ids
 * ({@link RecordKey#isValidId}) and record states ({@link StateJson}) are checked with this.
 */
public final class UnicodeText {

    private UnicodeText() {
    }

    /** The index of the first surrogate character (half of a pair or alone), -1 if there is none. */
    public static int firstSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (Character.isSurrogate(s.charAt(i))) return i;
        }
        return -1;
    }

    /** Whether {@code s} holds a surrogate that is not half of a high-low pair. */
    public static boolean hasUnpairedSurrogate(String s) {
        int first = firstSurrogate(s);
        return first >= 0 && hasUnpairedSurrogate(s, first);
    }

    /** The same, looking from {@code from} on (a {@link #firstSurrogate} already found). */
    static boolean hasUnpairedSurrogate(String s, int from) {
        for (int i = from, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else {
                return true;
            }
        }
        return false;
    }
}
