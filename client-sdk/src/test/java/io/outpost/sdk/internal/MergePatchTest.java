package io.outpost.sdk.internal;

import static io.outpost.sdk.internal.LocalStoreTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MergePatchTest {

    @Test
    void appliesRfc7396() {
        assertThat(MergePatch.apply(json("{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"}}"),
                json("{\"a\":\"z\",\"c\":{\"f\":null}}"))).isEqualTo(json("{\"a\":\"z\",\"c\":{\"d\":\"e\"}}"));
        assertThat(MergePatch.apply(json("{\"a\":[1]}"), json("{\"a\":{\"b\":null,\"c\":1}}")))
                .isEqualTo(json("{\"a\":{\"c\":1}}"));
    }

    @Test
    void leavesItsArgumentsAlone() {
        var target = json("{\"a\":1}");
        MergePatch.apply(target, json("{\"a\":2}"));
        assertThat(target).isEqualTo(json("{\"a\":1}"));
    }

    @Test
    void aComposedPatchHasTheEffectOfBothInTurn() {
        var first = json("{\"a\":1,\"n\":{\"x\":1},\"gone\":null}");
        var second = json("{\"a\":null,\"n\":{\"y\":2},\"b\":3}");
        var composed = MergePatch.compose(first, second);
        for (String target : new String[] {"{}", "{\"a\":0,\"n\":{\"z\":0},\"gone\":1}", "{\"n\":5}"}) {
            assertThat(MergePatch.apply(json(target), composed))
                    .isEqualTo(MergePatch.apply(MergePatch.apply(json(target), first), second));
        }
    }

    @Test
    void noComposedPatchWhenAnObjectPatchesAReplacedValue() {
        assertThat(MergePatch.compose(json("{\"a\":5}"), json("{\"a\":{\"b\":1}}"))).isNull();
        assertThat(MergePatch.compose(json("{\"a\":null}"), json("{\"a\":{\"b\":1}}"))).isNull();
    }
}
