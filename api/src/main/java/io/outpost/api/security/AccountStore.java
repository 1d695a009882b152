package io.outpost.api.security;

import io.outpost.api.config.SyncProperties;
import io.outpost.command.api.RecordKey;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * The accounts of {@code sync.users}, checked with Spring's {@code DelegatingPasswordEncoder} ({@code {bcrypt}…}).
 * An unknown user costs the same bcrypt check as a known one, so timing does not tell which usernames exist.
 *
 * <p>Development mode only (no {@code sync.security.jwt.secret} configured, so {@link JwtSecret#generated()}): unless
 * {@code sync.users} has an account named {@code demo}, there is a demo account {@code demo} / {@code demo} (tenant
 * {@code demo}, roles user and admin) for signing in on the Sync Control page. A configured secret means production:
 * never a demo account then.
 */
@Component
public class AccountStore {

    private final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    /** bcrypt of a random string, only ever compared against to spend the same time for unknown users. */
    private final String dummy = encoder.encode(java.util.UUID.randomUUID().toString());
    private final Map<String, SyncProperties.UserAccount> accounts = new HashMap<>();
    private final boolean demoAccount;

    /** The development demo account's name, password and tenant. */
    public static final String DEMO = "demo";

    public AccountStore(SyncProperties sync, JwtSecret secret) {
        for (SyncProperties.UserAccount a : sync.users()) {
            if (a.username() == null || a.password() == null || a.tenant() == null
                    || !RecordKey.isValidTenant(a.tenant())) {
                throw new IllegalStateException("sync.users: every account needs username, password and a valid "
                        + "tenant ([A-Za-z0-9._:-]{1,64}); check " + a);
            }
            accounts.put(a.username(), a);
        }
        demoAccount = secret.generated() && !accounts.containsKey(DEMO);
        if (demoAccount) {
            accounts.put(DEMO, new SyncProperties.UserAccount(DEMO, encoder.encode(DEMO), DEMO,
                    List.of(Role.USER.claim(), Role.ADMIN.claim())));
        }
    }

    /** True when the development demo account ({@code demo} / {@code demo}) exists. */
    public boolean demoAccount() {
        return demoAccount;
    }

    /** The tenant of the account named {@code username}, if there is one (for the security events). */
    public Optional<String> tenantOf(String username) {
        SyncProperties.UserAccount account = username == null ? null : accounts.get(username);
        return account == null ? Optional.empty() : Optional.of(account.tenant());
    }

    /** The principal for valid credentials. */
    public Optional<SyncPrincipal> authenticate(String username, String password) {
        SyncProperties.UserAccount account = username == null ? null : accounts.get(username);
        boolean matches = encoder.matches(password == null ? "" : password,
                account == null ? dummy : account.password());
        if (account == null || !matches) return Optional.empty();
        Set<Role> roles = EnumSet.noneOf(Role.class);
        Set<String> names = new java.util.HashSet<>();
        if (account.roles() != null) {
            account.roles().forEach(r -> {
                if (r != null && SyncPrincipal.ROLE_NAME.matcher(r).matches()) names.add(r);
                Role.fromClaim(r).ifPresent(roles::add);
            });
        }
        return Optional.of(new SyncPrincipal(account.tenant(), account.username(), roles, names));
    }
}
