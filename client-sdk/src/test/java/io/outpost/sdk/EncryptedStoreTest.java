package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The encrypted local store (issue 19.3): health and pharmacy data on a lost device must not be readable. The
 * bytes on disk (the store, its write-ahead log, any journal) hold no plaintext of a record, also of records pulled
 * from the real server; a wrong key or password fails at build with {@link WrongStoreKeyException} and leaves every
 * file as it was; rekeying works from a key to a password, between keys, and from a plain store.
 */
class EncryptedStoreTest extends EndToEndTest {

    /** Distinctive, in the data and in the id of the records written. */
    private static final String MARKER = "Zq7-amoxicillin-MARKER-41ff";
    private static final StoreKey KEY_A = StoreKey.ofBytes(bytes(1));
    private static final StoreKey KEY_B = StoreKey.ofBytes(bytes(2));

    private static byte[] bytes(int seed) {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) key[i] = (byte) (seed * 31 + i * 7);
        return key;
    }

    private SyncClient device(String name, UnaryOperator<SyncClient.Builder> more) {
        SyncClient client = more.apply(SyncClient.builder()
                .baseUri(server.baseUri())
                .tokenProvider(TokenProvider.of(server.token(tenant, "pharmacist")))
                .storeDirectory(dir.resolve(name))
                .user("pharmacist")
                .collection("notes")
                .syncOnStart(false)
                .syncAfterWrite(Duration.ZERO)
                .autoSync(false, Duration.ofSeconds(300))).build();
        open.add(client);
        return client;
    }

    private void close(SyncClient client) {
        open.remove(client);
        client.close();
    }

    private static URI nowhere() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/api/v1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeMarkedRecords(SyncClient client) {
        for (int i = 0; i < 20; i++) {
            client.records("notes").create(MARKER + "-" + i, Map.of("text", "dispensed " + MARKER + " to patient " + i));
        }
        client.records("notes").update(MARKER + "-3", Map.of("text", "changed " + MARKER));
    }

    /** Every file of the folder (store, -wal, -shm, -journal, salt) by name, with its SHA-256. */
    private static Map<String, String> files(Path folder) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path f : list.toList()) {
                out.put(f.getFileName().toString(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Whether any file of the folder holds the marker's bytes (UTF-8, as SQLite stores text). */
    private static boolean markerOnDisk(Path folder) {
        byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> list = Files.list(folder)) {
            for (Path f : list.toList()) {
                byte[] content = Files.readAllBytes(f);
                for (int i = 0; i + marker.length <= content.length; i++) {
                    int j = 0;
                    while (j < marker.length && content[i + j] == marker[j]) j++;
                    if (j == marker.length) return true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return false;
    }

    @Test
    void theBytesOnDiskHoldNoPlaintextOfARecord() {
        SyncClient writer = device("enc", b -> b.encryption(KEY_A));
        writeMarkedRecords(writer);
        assertThat(writer.syncNow().error()).isEmpty();
        SyncClient reader = device("enc-reader", b -> b.encryption(KEY_A)); // the server's copies, pulled
        assertThat(reader.syncNow().error()).isEmpty();
        assertThat(reader.records("notes").list()).hasSizeGreaterThanOrEqualTo(1);
        assertThat(Files.exists(Path.of(writer.storeFile() + "-wal"))).as("a write-ahead log while open").isTrue();

        assertThat(markerOnDisk(dir.resolve("enc"))).as("while open (store and -wal)").isFalse();
        assertThat(markerOnDisk(dir.resolve("enc-reader"))).isFalse();
        close(writer);
        close(reader);
        assertThat(markerOnDisk(dir.resolve("enc"))).as("after close").isFalse();
        assertThat(markerOnDisk(dir.resolve("enc-reader"))).isFalse();

        SyncClient plain = device("plain", b -> b);
        writeMarkedRecords(plain);
        close(plain);
        assertThat(markerOnDisk(dir.resolve("plain"))).as("a plain store, for contrast").isTrue();
    }

    @Test
    void aWrongKeyFailsAtBuildAndLeavesTheStoreAsItWas() {
        SyncClient client = device("enc", b -> b.encryption(KEY_A).baseUri(nowhere()));
        writeMarkedRecords(client);
        close(client);
        Map<String, String> before = files(dir.resolve("enc"));

        for (StoreKey wrong : new StoreKey[] {KEY_B, StoreKey.fromPassword("not it".toCharArray()), null}) {
            assertThatThrownBy(() -> device("enc", b -> b.encryption(wrong).baseUri(nowhere())))
                    .as("key %s", wrong).isInstanceOf(WrongStoreKeyException.class)
                    .hasMessageContaining("left as it was");
            assertThat(files(dir.resolve("enc"))).as("after key %s", wrong).isEqualTo(before);
        }

        SyncClient again = device("enc", b -> b.encryption(KEY_A).baseUri(nowhere()));
        assertThat(again.records("notes").list()).hasSize(20);
        assertThat(again.pendingOps()).hasSize(20);
    }

    @Test
    void aPlainStoreOpenedWithAKeyIsLeftAsItWas() {
        SyncClient plain = device("plain", b -> b.baseUri(nowhere()));
        writeMarkedRecords(plain);
        close(plain);
        Map<String, String> before = files(dir.resolve("plain"));

        assertThatThrownBy(() -> device("plain", b -> b.encryption(KEY_A).baseUri(nowhere())))
                .isInstanceOf(WrongStoreKeyException.class);

        assertThat(files(dir.resolve("plain"))).isEqualTo(before);
    }

    @Test
    void aKeyDerivedFromThePasswordOpensTheStoreAndAWrongPasswordDoesNot() {
        SyncClient client = device("pw", b -> b.encryption(StoreKey.fromPassword("correct horse".toCharArray()))
                .baseUri(nowhere()));
        writeMarkedRecords(client);
        Path store = client.storeFile();
        close(client);
        assertThat(Files.exists(Path.of(store + ".salt"))).isTrue();
        assertThat(markerOnDisk(dir.resolve("pw"))).isFalse();
        Map<String, String> before = files(dir.resolve("pw"));

        assertThatThrownBy(() -> device("pw", b -> b.encryption(StoreKey.fromPassword("battery staple".toCharArray()))
                .baseUri(nowhere()))).isInstanceOf(WrongStoreKeyException.class);
        assertThat(files(dir.resolve("pw"))).isEqualTo(before);

        SyncClient again = device("pw", b -> b.encryption(StoreKey.fromPassword("correct horse".toCharArray()))
                .baseUri(nowhere()));
        assertThat(again.records("notes").get(MARKER + "-3")).isPresent();
    }

    @Test
    void rekeyMovesTheStoreToANewKeyOrPassword() {
        StoreKey password = StoreKey.fromPassword("n3w pass".toCharArray());
        SyncClient client = device("enc", b -> b.encryption(KEY_A).baseUri(nowhere()));
        writeMarkedRecords(client);

        client.rekey(password);
        client.records("notes").create("after-rekey", Map.of("text", "written under the new key"));
        close(client);

        assertThat(markerOnDisk(dir.resolve("enc"))).isFalse();
        assertThatThrownBy(() -> device("enc", b -> b.encryption(KEY_A).baseUri(nowhere())))
                .isInstanceOf(WrongStoreKeyException.class);
        SyncClient byPassword = device("enc", b -> b.encryption(password).baseUri(nowhere()));
        assertThat(byPassword.records("notes").list()).hasSize(21);

        byPassword.rekey(KEY_B);
        close(byPassword);
        assertThat(Files.exists(dir.resolve("enc").resolve(byPassword.storeFile().getFileName() + ".salt"))).isFalse();
        assertThatThrownBy(() -> device("enc", b -> b.encryption(password).baseUri(nowhere())))
                .isInstanceOf(WrongStoreKeyException.class);
        assertThat(device("enc", b -> b.encryption(KEY_B).baseUri(nowhere())).records("notes").list()).hasSize(21);
    }

    @Test
    void aPasswordRekeyCutOffBeforeItsSaltWasRenamedIsFinishedByTheNextOpen() throws IOException {
        StoreKey first = StoreKey.fromPassword("first".toCharArray());
        StoreKey second = StoreKey.fromPassword("second".toCharArray());
        SyncClient client = device("pw", b -> b.encryption(first).baseUri(nowhere()));
        writeMarkedRecords(client);
        Path salt = Path.of(client.storeFile() + ".salt");
        Path pending = Path.of(client.storeFile() + ".salt.new");
        byte[] firstSalt = Files.readAllBytes(salt);
        client.rekey(second);
        close(client);
        // as if the process died after the store took the new key, before the new salt replaced the old one
        Files.move(salt, pending);
        Files.write(salt, firstSalt);

        SyncClient again = device("pw", b -> b.encryption(second).baseUri(nowhere()));

        assertThat(again.records("notes").list()).hasSize(20);
        assertThat(Files.exists(pending)).isFalse();
        assertThat(Files.readAllBytes(salt)).isNotEqualTo(firstSalt);
    }

    @Test
    void rekeyEncryptsAPlainStore() {
        SyncClient plain = device("plain", b -> b.baseUri(nowhere()));
        writeMarkedRecords(plain);

        plain.rekey(KEY_A);
        close(plain);

        assertThat(markerOnDisk(dir.resolve("plain"))).isFalse();
        assertThatThrownBy(() -> device("plain", b -> b.baseUri(nowhere())))
                .isInstanceOf(WrongStoreKeyException.class).hasMessageContaining("without a key");
        assertThat(device("plain", b -> b.encryption(KEY_A).baseUri(nowhere())).records("notes").list()).hasSize(20);
    }
}
