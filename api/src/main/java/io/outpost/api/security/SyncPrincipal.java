package io.outpost.api.security;

import java.util.Set;

/** The authenticated caller: tenant and user from the token's {@code tenant} and {@code sub} claims. */
public record SyncPrincipal(String tenant, String userId, Set<Role> roles) {

    public SyncPrincipal {
        roles = Set.copyOf(roles);
    }

    public boolean isAdmin() {
        return roles.contains(Role.ADMIN);
    }
}
