package io.outpost.command.policy;

/**
 * {@code last-write-wins}: applied when the operation's timestamp is not older than that of the change behind the
 * current version; on equal timestamps the larger deviceId wins (the same device's later op wins too).
 */
final class LastWriteWinsPolicy implements ConflictPolicy {

    @Override
    public Decision decide(ConflictFacts facts) {
        int byTime = facts.attempt().timestamp().compareTo(facts.current().timestamp());
        boolean wins = byTime > 0
                || byTime == 0 && facts.attempt().deviceId().compareTo(facts.current().deviceId()) >= 0;
        return wins ? new Decision.Overwrite() : new Decision.Reject(facts.overlappingFields());
    }
}
