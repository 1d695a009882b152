package io.outpost.command.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outpost.command.api.ChangeStamp;
import io.outpost.command.api.ConflictStrategy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConflictPoliciesTest {

    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

    private static ConflictFacts facts(List<String> overlap, ChangeStamp attempt, ChangeStamp current) {
        return new ConflictFacts(1, 2, false, overlap, attempt, current);
    }

    private static ConflictFacts anyFacts(List<String> overlap) {
        return facts(overlap, new ChangeStamp(T, "a"), new ChangeStamp(T, "b"));
    }

    @Test
    void rejectRefusesAndReportsTheOverlap() {
        Decision d = ConflictPolicies.of(ConflictStrategy.REJECT, null).decide(anyFacts(List.of("name")));
        assertThat(d).isEqualTo(new Decision.Reject(List.of("name")));
    }

    @Test
    void clientWinsAlwaysOverwrites() {
        assertThat(ConflictPolicies.of(ConflictStrategy.CLIENT_WINS, null).decide(anyFacts(List.of("name"))))
                .isInstanceOf(Decision.Overwrite.class);
    }

    @Test
    void manualParksWithTheOverlappingFields() {
        assertThat(ConflictPolicies.of(ConflictStrategy.MANUAL, null).decide(anyFacts(List.of("dose"))))
                .isEqualTo(new Decision.Park(List.of("dose")));
    }

    @Test
    void mergeWithoutOverlapMerges() {
        assertThat(ConflictPolicies.of(ConflictStrategy.MERGE, ConflictStrategy.REJECT).decide(anyFacts(List.of())))
                .isInstanceOf(Decision.Merge.class);
    }

    @Test
    void mergeWithOverlapAsksTheOnOverlapPolicy() {
        ConflictFacts overlap = anyFacts(List.of("title"));
        assertThat(ConflictPolicies.of(ConflictStrategy.MERGE, ConflictStrategy.REJECT).decide(overlap))
                .isEqualTo(new Decision.Reject(List.of("title")));
        assertThat(ConflictPolicies.of(ConflictStrategy.MERGE, ConflictStrategy.CLIENT_WINS).decide(overlap))
                .isInstanceOf(Decision.Overwrite.class);
        assertThat(ConflictPolicies.of(ConflictStrategy.MERGE, ConflictStrategy.MANUAL).decide(overlap))
                .isEqualTo(new Decision.Park(List.of("title")));
    }

    @Test
    void mergeRefusesAnOnOverlapThatIsNotAllowed() {
        assertThatThrownBy(() -> ConflictPolicies.of(ConflictStrategy.MERGE, ConflictStrategy.LAST_WRITE_WINS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("on-overlap");
    }

    @Test
    void lastWriteWinsAppliesANewerWriteAndRejectsAnOlderOne() {
        ConflictPolicy lww = ConflictPolicies.of(ConflictStrategy.LAST_WRITE_WINS, null);
        ChangeStamp current = new ChangeStamp(T, "tablet-5");
        assertThat(lww.decide(facts(List.of("a"), new ChangeStamp(T.plusSeconds(1), "tablet-1"), current)))
                .isInstanceOf(Decision.Overwrite.class);
        assertThat(lww.decide(facts(List.of("a"), new ChangeStamp(T.minusSeconds(1), "tablet-9"), current)))
                .isEqualTo(new Decision.Reject(List.of("a")));
    }

    @Test
    void lastWriteWinsBreaksTiesByTheLargerDeviceId() {
        ConflictPolicy lww = ConflictPolicies.of(ConflictStrategy.LAST_WRITE_WINS, null);
        ChangeStamp current = new ChangeStamp(T, "tablet-5");
        assertThat(lww.decide(facts(List.of(), new ChangeStamp(T, "tablet-6"), current)))
                .isInstanceOf(Decision.Overwrite.class);
        assertThat(lww.decide(facts(List.of(), new ChangeStamp(T, "tablet-4"), current)))
                .isInstanceOf(Decision.Reject.class);
    }
}
