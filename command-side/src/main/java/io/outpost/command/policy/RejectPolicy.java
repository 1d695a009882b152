package io.outpost.command.policy;

/** {@code reject}: a conflicting operation is never applied. */
final class RejectPolicy implements ConflictPolicy {

    @Override
    public Decision decide(ConflictFacts facts) {
        return new Decision.Reject(facts.overlappingFields());
    }
}
