package io.outpost.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The key of an encrypted local store ({@link SyncClient.Builder#encryption(StoreKey)}): the whole SQLite file and
 * its write-ahead log are encrypted (SQLite3 Multiple Ciphers, ChaCha20-Poly1305), so a lost device's store is
 * unreadable without it.
 *
 * <ul>
 *   <li>{@link #ofBytes(byte[])}: a random key the app keeps itself (the platform's key store, a hardware token);
 *   at least 32 bytes.</li>
 *   <li>{@link #fromPassword(char[])}: derived from the user's password with PBKDF2-HMAC-SHA256
 *   ({@value #PBKDF2_ITERATIONS} iterations, a random 16-byte salt kept beside the store file as
 *   {@code <store>.salt}: the salt is no secret, but the store cannot be opened without it).</li>
 * </ul>
 * Its {@code toString} never shows the key.
 */
public final class StoreKey {

    /** PBKDF2-HMAC-SHA256 iterations for a password (OWASP's 2023 figure). */
    public static final int PBKDF2_ITERATIONS = 600_000;
    private static final String SALT_FORMAT = "pbkdf2-hmac-sha256";

    private final byte[] bytes;
    private final char[] password;

    private StoreKey(byte[] bytes, char[] password) {
        this.bytes = bytes;
        this.password = password;
    }

    /** A key of the app's own: 32 to 64 random bytes (copied). */
    public static StoreKey ofBytes(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < 32 || key.length > 64) {
            throw new IllegalArgumentException("a store key must be 32-64 bytes, was " + key.length);
        }
        return new StoreKey(key.clone(), null);
    }

    /** A key derived from the user's password (copied; the caller may clear its array afterwards). */
    public static StoreKey fromPassword(char[] password) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0) {
            throw new IllegalArgumentException("a store password must not be empty");
        }
        return new StoreKey(null, password.clone());
    }

    @Override
    public String toString() {
        return bytes != null ? "StoreKey[bytes]" : "StoreKey[password]";
    }

    boolean isPassword() {
        return password != null;
    }

    /** The file beside the store that holds a password's salt. */
    static Path saltFile(Path store) {
        return store.resolveSibling(store.getFileName() + ".salt");
    }

    /** A salt written by a rekey that did not finish renaming it (see {@link SyncClient#rekey}). */
    static Path pendingSaltFile(Path store) {
        return store.resolveSibling(store.getFileName() + ".salt.new");
    }

    /** The raw key for SQLite3 Multiple Ciphers, hex; a password's with the salt in {@code saltFile}. */
    String hex(Path saltFile) {
        if (bytes != null) {
            return HexFormat.of().formatHex(bytes);
        }
        return HexFormat.of().formatHex(derive(password, readSalt(saltFile)));
    }

    /** A new random salt written to {@code file} (replacing it). */
    static void writeNewSalt(Path file) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String text = SALT_FORMAT + " " + PBKDF2_ITERATIONS + " " + HexFormat.of().formatHex(salt) + "\n";
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the store's salt " + file, e);
        }
    }

    private static Salt readSalt(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the store's salt " + file, e);
        }
        String[] parts = text.split(" ");
        if (parts.length != 3 || !parts[0].equals(SALT_FORMAT)) {
            throw new IllegalStateException("the store's salt " + file + " is not in the format " + SALT_FORMAT);
        }
        return new Salt(Integer.parseInt(parts[1]), HexFormat.of().parseHex(parts[2]));
    }

    private record Salt(int iterations, byte[] salt) {
    }

    private static byte[] derive(char[] password, Salt salt) {
        PBEKeySpec spec = new PBEKeySpec(password, salt.salt(), salt.iterations(), 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        } finally {
            spec.clearPassword();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoreKey k && Arrays.equals(bytes, k.bytes) && Arrays.equals(password, k.password);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes) * 31 + Arrays.hashCode(password);
    }
}
