package io.outpost.command.policy;

/** {@code client-wins}: a conflicting operation is applied anyway; the history keeps what it overwrote. */
final class ClientWinsPolicy implements ConflictPolicy {

    @Override
    public Decision decide(ConflictFacts facts) {
        return new Decision.Overwrite();
    }
}
