package io.outpost.command.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The key's checks are loops for speed; they must accept exactly what the published patterns accept. */
class RecordKeyTest {

    private static final String ALPHABET = "azAZ09._:-/ é\u0000\u007fbq_Z9";

    @Test
    void tenantAndCollectionChecksAgreeWithThePatterns() {
        List<String> samples = new ArrayList<>(List.of("", "a", "A", "0", "a-b", "a_b", "a.b", "a:b", "a b", "a/b",
                "_a", "9a", "a9", "é", "x".repeat(62), "x".repeat(63), "x".repeat(64), "x".repeat(65)));
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(70);
            for (int j = 0; j < length; j++) s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            samples.add(s.toString());
        }
        for (String s : samples) {
            assertThat(RecordKey.isValidTenant(s)).as("tenant %s", s).isEqualTo(RecordKey.TENANT.matcher(s).matches());
            assertThat(RecordKey.isValidCollection(s)).as("collection %s", s)
                    .isEqualTo(RecordKey.COLLECTION.matcher(s).matches());
        }
    }

    @Test
    void idsAreOneTo128CharactersWithoutControlCharacters() {
        assertThat(RecordKey.isValidId("a/b c-é")).isTrue();
        assertThat(RecordKey.isValidId("x".repeat(128))).isTrue();
        assertThat(RecordKey.isValidId("x".repeat(129))).isFalse();
        assertThat(RecordKey.isValidId("")).isFalse();
        assertThat(RecordKey.isValidId(null)).isFalse();
        assertThat(RecordKey.isValidId("a\nb")).isFalse();
        assertThat(RecordKey.isValidId("a\u0085b")).isFalse();
        // Unicode text only (UnicodeTextTest): a pair is one character (an emoji), half of one is not text
        assertThat(RecordKey.isValidId("pill-\ud83d\udc8a")).isTrue();
        assertThat(RecordKey.isValidId("a\ud800b")).isFalse();
    }

    @Test
    void aKeyWithAnInvalidPartIsRefusedAndAValidOneRoundTrips() {
        assertThatThrownBy(() -> new RecordKey("te nant", "notes", "a")).hasMessageContaining("tenant");
        assertThatThrownBy(() -> new RecordKey("t", "Notes", "a")).hasMessageContaining("collection");
        assertThatThrownBy(() -> new RecordKey("t", "notes", "")).hasMessageContaining("id");
        RecordKey key = new RecordKey("t-1", "notes", "a/b");
        assertThat(RecordKey.parse(key.toString())).isEqualTo(key);
    }
}
