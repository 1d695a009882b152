package io.outpost.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Honest status (issue 20): "synced" only when nothing is pending, failed or in conflict. */
class SyncStatusTest {

    private static SyncStatus status(SyncStatus.State state, int pending, int failed, int conflicts) {
        return new SyncStatus(state, pending, failed, conflicts, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    @Test
    void theSummarySaysWhatIsLeftInPrecedence() {
        assertThat(status(SyncStatus.State.IDLE, 0, 0, 0).summary()).isEqualTo(SyncStatus.Summary.SYNCED);
        assertThat(status(SyncStatus.State.IDLE, 3, 0, 0).summary()).isEqualTo(SyncStatus.Summary.PENDING);
        assertThat(status(SyncStatus.State.IDLE, 0, 1, 0).summary()).isEqualTo(SyncStatus.Summary.ATTENTION);
        assertThat(status(SyncStatus.State.IDLE, 0, 0, 2).summary()).isEqualTo(SyncStatus.Summary.ATTENTION);
        assertThat(status(SyncStatus.State.OFFLINE, 3, 0, 0).summary()).isEqualTo(SyncStatus.Summary.OFFLINE);
        assertThat(status(SyncStatus.State.OFFLINE, 3, 1, 0).summary()).as("a rejection outranks being offline")
                .isEqualTo(SyncStatus.Summary.ATTENTION);
        assertThat(status(SyncStatus.State.SYNCING, 1, 0, 0).summary()).isEqualTo(SyncStatus.Summary.SYNCING);
        assertThat(status(SyncStatus.State.ERROR, 0, 0, 0).summary()).isEqualTo(SyncStatus.Summary.ERROR);
        assertThat(status(SyncStatus.State.UPGRADE_REQUIRED, 2, 1, 1).summary())
                .as("nothing syncs until the app is updated: that comes first").isEqualTo(
                        SyncStatus.Summary.UPGRADE_REQUIRED);
    }
}
