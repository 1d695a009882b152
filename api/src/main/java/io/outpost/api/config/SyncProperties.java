package io.outpost.api.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.validation.annotation.Validated;

/**
 * {@code sync.*}: the server configuration of PROTOCOL.md, with the names the contract gives them.
 * {@code allowUndeclaredCollections} is null when not configured: see {@link #undeclaredCollectionsAllowed()}.
 */
@Validated
@ConfigurationProperties("sync")
public record SyncProperties(@Valid @DefaultValue Security security,
                             Map<String, CollectionProperties> collections,
                             Boolean allowUndeclaredCollections,
                             @Valid @DefaultValue RateLimit rateLimit,
                             List<UserAccount> users) {

    public SyncProperties {
        collections = collections == null ? Map.of() : Map.copyOf(collections);
        users = users == null ? List.of() : List.copyOf(users);
    }

    /**
     * Whether an op may name a collection that {@code sync.collections} does not declare (it then gets the defaults):
     * {@code sync.allow-undeclared-collections} when set, else only in {@linkplain #developmentMode() development
     * mode}, so that in production a misspelled collection is {@code unknown_collection} instead of a new one.
     */
    public boolean undeclaredCollectionsAllowed() {
        return allowUndeclaredCollections != null ? allowUndeclaredCollections : developmentMode();
    }

    /**
     * Development mode: no JWT secret is configured, so the embedded default generates one (an external database
     * refuses to start without a secret, {@link StartupChecks}).
     */
    public boolean developmentMode() {
        String secret = security == null || security.jwt() == null ? null : security.jwt().secret();
        return secret == null || secret.isBlank();
    }

    /**
     * {@code sync.rate-limit}: per user token bucket for the API (0 disables), and per client address for
     * {@code POST /auth/token}.
     */
    public record RateLimit(@DefaultValue("600") @PositiveOrZero int requestsPerMinute,
                            @DefaultValue("100") @Positive int burst,
                            @DefaultValue("20") @PositiveOrZero int authPerMinute) {
    }

    /** {@code sync.users[]}: an account for {@code POST /auth/token}; the password in Spring's encoder format. */
    public record UserAccount(String username, String password, String tenant, List<String> roles) {

        @Override
        public String toString() {
            return "UserAccount[" + username + "@" + tenant + " " + roles + "]";
        }
    }

    /**
     * @param jwt    the token settings
     * @param events the security events ({@code sync.security.events}, GET /admin/security-events)
     */
    public record Security(@Valid @DefaultValue Jwt jwt, @Valid @DefaultValue Events events) {

        @ConstructorBinding
        public Security {
            if (events == null) events = new Events(Events.DEFAULT_RETENTION);
        }

        public Security(Jwt jwt) {
            this(jwt, null);
        }
    }

    /**
     * {@code sync.security.events}: the recorded security events (failed logins, refused tokens, ...).
     *
     * @param retention events older than this are deleted (hourly and at start); must be positive
     */
    public record Events(@DefaultValue("90d") Duration retention) {

        public static final Duration DEFAULT_RETENTION = Duration.ofDays(90);

        public Events {
            if (retention == null) retention = DEFAULT_RETENTION;
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("sync.security.events.retention must be positive (e.g. 90d), not "
                        + retention);
            }
        }
    }

    /**
     * @param secret    HS256 key, at least 32 bytes ({@code SYNC_JWT_SECRET})
     * @param publicKey PEM public key (RSA or EC) of an external issuer; its RS256/ES256 tokens are accepted too
     * @param jwksUri   JWKS URL of an external issuer (keys chosen by {@code kid}, refreshed every 10 minutes)
     */
    public record Jwt(String secret, @DefaultValue("24h") Duration lifetime, String publicKey, String jwksUri) {

        @Override
        public String toString() {
            return "Jwt[secret=" + (secret == null ? "unset" : "***") + ", lifetime=" + lifetime + "]";
        }
    }

    /** {@code sync.collections.<name>}: every field optional, defaults as in PROTOCOL.md. */
    /**
     * {@code counters}: the fields {@code increment} ops may change; {@code writeRoles}, {@code resolveRoles},
     * {@code appendOnly}: permissions per collection (contract v1.2).
     */
    public record CollectionProperties(String conflictStrategy, String onOverlap, String idMode, String visibility,
                                       String ownerField, Map<String, String> references, String schema,
                                       Map<String, DeriveProperties> derive, List<String> counters,
                                       List<String> writeRoles, List<String> resolveRoles, Boolean appendOnly,
                                       Integer schemaVersion, Integer minSchemaVersion,
                                       Map<Integer, SchemaVersionProperties> schemaVersions) {

        @ConstructorBinding
        public CollectionProperties {
        }

        public CollectionProperties(String conflictStrategy, String onOverlap, String idMode, String visibility,
                                    String ownerField, Map<String, String> references, String schema,
                                    Map<String, DeriveProperties> derive, List<String> counters,
                                    List<String> writeRoles, List<String> resolveRoles, Boolean appendOnly) {
            this(conflictStrategy, onOverlap, idMode, visibility, ownerField, references, schema, derive, counters,
                    writeRoles, resolveRoles, appendOnly, null, null, null);
        }

        public CollectionProperties(String conflictStrategy, String onOverlap, String idMode, String visibility,
                                    String ownerField, Map<String, String> references, String schema,
                                    Map<String, DeriveProperties> derive) {
            this(conflictStrategy, onOverlap, idMode, visibility, ownerField, references, schema, derive, null, null,
                    null, null);
        }
    }

    public record DeriveProperties(String from, String field) {
    }

    /**
     * {@code sync.collections.<name>.schema-versions.<n>}: an older schema version (docs/schema-versions.md).
     *
     * @param schema  the JSON Schema of that version's data (optional): creates from its apps are checked against it
     * @param upgrade the steps from version n to n+1, each with exactly one of {@code rename}, {@code split},
     *                {@code default}
     */
    public record SchemaVersionProperties(String schema, List<StepProperties> upgrade) {
    }

    /** One upgrade step: exactly one of its kinds is set. */
    public record StepProperties(RenameStep rename, SplitStep split, @Name("default") DefaultStep defaultValue) {
    }

    /** {@code rename: {from, to}}. */
    public record RenameStep(String from, String to) {
    }

    /** {@code split: {field, into: [a, b], separator}} (separator default one space). */
    public record SplitStep(String field, List<String> into, String separator) {
    }

    /**
     * {@code default: {field, value}}: {@code value} is read as JSON when it is a JSON number, {@code true},
     * {@code false}, object, array or quoted string, else as text ({@code unknown} is the text "unknown").
     */
    public record DefaultStep(String field, String value) {
    }
}
