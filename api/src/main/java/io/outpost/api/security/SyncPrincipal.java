package io.outpost.api.security;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The authenticated caller: tenant and user from the token's {@code tenant} and {@code sub} claims. {@code roles}
 * are the built-in roles (they decide which endpoints the caller reaches); {@code roleNames} all of the token's
 * roles, the app's own among them ({@code manager}, {@code supervisor}: contract v1.2, permissions per collection).
 */
public record SyncPrincipal(String tenant, String userId, Set<Role> roles, Set<String> roleNames) {

    /** What a role name may be (contract v1.2). */
    public static final Pattern ROLE_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    public SyncPrincipal {
        roles = Set.copyOf(roles);
        Set<String> names = new HashSet<>(roleNames == null ? Set.of() : roleNames);
        roles.forEach(r -> names.add(r.claim()));
        roleNames = Set.copyOf(names);
    }

    /** A caller with built-in roles only. */
    public SyncPrincipal(String tenant, String userId, Set<Role> roles) {
        this(tenant, userId, roles, Set.of());
    }

    public boolean isAdmin() {
        return roles.contains(Role.ADMIN);
    }

    /**
     * Whether a rule naming {@code roles} lets the caller through: no roles named (no restriction), an admin, or a
     * holder of one of them (contract v1.2: {@code write-roles}, {@code resolve-roles}).
     */
    public boolean allowedBy(Set<String> roles) {
        return roles.isEmpty() || isAdmin() || hasAnyRole(roles);
    }

    /** True when the caller holds one of {@code names}. */
    public boolean hasAnyRole(Set<String> names) {
        for (String n : names) {
            if (roleNames.contains(n)) return true;
        }
        return false;
    }
}
