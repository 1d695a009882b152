package io.outpost.api.security;

import java.util.Locale;
import java.util.Optional;

/** The roles a token may carry (PROTOCOL.md, Authentication). */
public enum Role {
    USER, ADMIN, AUDITOR;

    public String claim() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromClaim(String claim) {
        for (Role r : values()) {
            if (r.claim().equals(claim)) return Optional.of(r);
        }
        return Optional.empty();
    }
}
