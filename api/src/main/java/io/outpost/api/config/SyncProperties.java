package io.outpost.api.config;

import jakarta.validation.Valid;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** {@code sync.*}: the server configuration of PROTOCOL.md, with the names the contract gives them. */
@Validated
@ConfigurationProperties("sync")
public record SyncProperties(@Valid @DefaultValue Security security,
                             Map<String, CollectionProperties> collections,
                             @DefaultValue("true") boolean allowUndeclaredCollections) {

    public SyncProperties {
        collections = collections == null ? Map.of() : Map.copyOf(collections);
    }

    public record Security(@Valid @DefaultValue Jwt jwt) {
    }

    /** @param secret HS256 key, at least 32 bytes ({@code SYNC_JWT_SECRET}) */
    public record Jwt(String secret, @DefaultValue("24h") Duration lifetime) {

        @Override
        public String toString() {
            return "Jwt[secret=" + (secret == null ? "unset" : "***") + ", lifetime=" + lifetime + "]";
        }
    }

    /** {@code sync.collections.<name>}: every field optional, defaults as in PROTOCOL.md. */
    public record CollectionProperties(String conflictStrategy, String onOverlap, String idMode, String visibility,
                                       String ownerField, Map<String, String> references, String schema,
                                       Map<String, DeriveProperties> derive) {
    }

    public record DeriveProperties(String from, String field) {
    }
}
