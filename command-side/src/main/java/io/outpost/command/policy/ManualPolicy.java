package io.outpost.command.policy;

/** {@code manual}: the operation is parked as an open conflict for a person to resolve. */
final class ManualPolicy implements ConflictPolicy {

    @Override
    public Decision decide(ConflictFacts facts) {
        return new Decision.Park(facts.overlappingFields());
    }
}
