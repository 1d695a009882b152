package io.outpost.command.policy;

/**
 * {@code merge}: when none of the operation's fields changed on the server since its base version the change is
 * applied on top; otherwise the {@code on-overlap} policy decides.
 */
final class MergePolicy implements ConflictPolicy {

    private final ConflictPolicy onOverlap;

    MergePolicy(ConflictPolicy onOverlap) {
        this.onOverlap = onOverlap;
    }

    @Override
    public Decision decide(ConflictFacts facts) {
        return facts.overlappingFields().isEmpty() ? new Decision.Merge() : onOverlap.decide(facts);
    }
}
