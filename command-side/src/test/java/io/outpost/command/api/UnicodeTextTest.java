package io.outpost.command.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UnicodeTextTest {

    @Test
    void onlyAHalfOfASurrogatePairOnItsOwnIsNotText() {
        assertThat(UnicodeText.hasUnpairedSurrogate("dose 💊 ✓ é")).isFalse();
        assertThat(UnicodeText.hasUnpairedSurrogate("\ud83d\udc8a")).isFalse();
        assertThat(UnicodeText.hasUnpairedSurrogate("")).isFalse();
        assertThat(UnicodeText.hasUnpairedSurrogate("\ud800x")).isTrue();
        assertThat(UnicodeText.hasUnpairedSurrogate("x\udc8a")).isTrue();
        assertThat(UnicodeText.hasUnpairedSurrogate("x\ud83d")).isTrue();
        assertThat(UnicodeText.hasUnpairedSurrogate("\udc8a\ud83d")).isTrue();
        assertThat(UnicodeText.hasUnpairedSurrogate("💊\ud800💊")).isTrue();
        assertThat(UnicodeText.firstSurrogate("ab💊")).isEqualTo(2);
        assertThat(UnicodeText.firstSurrogate("abc ✓")).isEqualTo(-1);
    }
}
