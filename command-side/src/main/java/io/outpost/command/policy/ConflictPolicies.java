package io.outpost.command.policy;

import io.outpost.command.api.ConflictStrategy;

/** Builds the policy for a configured strategy. */
public final class ConflictPolicies {

    private static final ConflictPolicy REJECT = new RejectPolicy();
    private static final ConflictPolicy CLIENT_WINS = new ClientWinsPolicy();
    private static final ConflictPolicy LAST_WRITE_WINS = new LastWriteWinsPolicy();
    private static final ConflictPolicy MANUAL = new ManualPolicy();

    private ConflictPolicies() {
    }

    /**
     * @param onOverlap used by {@code merge} only: {@code reject}, {@code manual} or {@code client-wins}
     * @throws IllegalArgumentException for an {@code on-overlap} other than those three
     */
    public static ConflictPolicy of(ConflictStrategy strategy, ConflictStrategy onOverlap) {
        return switch (strategy) {
            case REJECT -> REJECT;
            case CLIENT_WINS -> CLIENT_WINS;
            case LAST_WRITE_WINS -> LAST_WRITE_WINS;
            case MANUAL -> MANUAL;
            case MERGE -> new MergePolicy(switch (onOverlap) {
                case REJECT -> REJECT;
                case MANUAL -> MANUAL;
                case CLIENT_WINS -> CLIENT_WINS;
                default -> throw new IllegalArgumentException(
                        "on-overlap must be reject, manual or client-wins, not " + onOverlap.configName());
            });
        };
    }
}
