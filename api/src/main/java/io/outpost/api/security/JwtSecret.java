package io.outpost.api.security;

import io.jsonwebtoken.security.Keys;
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
import org.springframework.stereotype.Component;

/**
 * The HS256 key. {@code sync.security.jwt.secret} ({@code SYNC_JWT_SECRET}) must hold at least 32 bytes. Without
 * it, the embedded default generates one and keeps it in {@code outpost.data-dir}/jwt-secret (a development
 * convenience). A short secret, or a missing one with an external database, stops the server at start
 * ({@link io.outpost.api.config.StartupChecks}).
 */
@Component
public class JwtSecret {

    private final SecretKey key;
    private final boolean generated;

    public JwtSecret(SyncProperties sync, OutpostProperties outpost) {
        // io.outpost.api.config.StartupChecks has already refused a short secret, or a missing one with an
        // external database, before the context was built.
        String configured = sync.security().jwt().secret();
        this.generated = sync.developmentMode();
        this.key = Keys.hmacShaKeyFor((generated ? localSecret(outpost) : configured).getBytes(StandardCharsets.UTF_8));
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
