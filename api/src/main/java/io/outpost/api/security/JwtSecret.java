package io.outpost.api.security;

import io.jsonwebtoken.security.Keys;
import io.outpost.api.config.EmbeddedPostgresConfiguration;
import io.outpost.api.config.OutpostProperties;
import io.outpost.api.config.SyncProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKey;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The HS256 key. {@code sync.security.jwt.secret} ({@code SYNC_JWT_SECRET}) must hold at least 32 bytes. Without
 * it, the embedded default generates one and keeps it in {@code outpost.data-dir}/jwt-secret (a development
 * convenience); with an external database a missing or short secret stops the server at start.
 */
@Component
public class JwtSecret {

    static final int MIN_BYTES = 32;

    private final SecretKey key;
    private final boolean generated;

    public JwtSecret(SyncProperties sync, OutpostProperties outpost, Environment env) {
        String configured = sync.security().jwt().secret();
        if (configured != null && !configured.isBlank()) {
            byte[] bytes = configured.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < MIN_BYTES) {
                throw new IllegalStateException("sync.security.jwt.secret (SYNC_JWT_SECRET) must be at least "
                        + MIN_BYTES + " bytes; the configured one has " + bytes.length);
            }
            this.key = Keys.hmacShaKeyFor(bytes);
            this.generated = false;
        } else if (EmbeddedPostgresConfiguration.embedded(env)) {
            this.key = Keys.hmacShaKeyFor(localSecret(outpost).getBytes(StandardCharsets.UTF_8));
            this.generated = true;
        } else {
            throw new IllegalStateException("SYNC_JWT_SECRET (sync.security.jwt.secret) is required when the server "
                    + "uses an external database: set it to a random string of at least " + MIN_BYTES
                    + " bytes, e.g. the output of `openssl rand -base64 48`");
        }
    }

    public SecretKey key() {
        return key;
    }

    /** True when no secret was configured and the embedded default made one. */
    public boolean generated() {
        return generated;
    }

    private static String localSecret(OutpostProperties outpost) {
        String fresh = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
        if (!outpost.embeddedPostgres().persistent()) return fresh;
        Path file = Path.of(outpost.dataDir(), "jwt-secret").toAbsolutePath();
        try {
            if (Files.exists(file)) return Files.readString(file, StandardCharsets.UTF_8).trim();
            Files.createDirectories(file.getParent());
            Files.writeString(file, fresh, StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the generated JWT secret in " + file, e);
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[48];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
