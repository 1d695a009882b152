package io.outpost.command.policy;

import io.outpost.command.api.ChangeStamp;
import java.util.List;

/**
 * What a policy needs to know about one conflict.
 *
 * @param overlappingFields fields the operation touches that changed on the server after {@code baseVersion}
 *                          (every touched field when the record is deleted)
 * @param attempt           time and device of the conflicting operation
 * @param current           time and device of the change that made the server's current version
 */
public record ConflictFacts(long baseVersion, long serverVersion, boolean serverDeleted,
                            List<String> overlappingFields, ChangeStamp attempt, ChangeStamp current) {

    public ConflictFacts {
        overlappingFields = List.copyOf(overlappingFields);
    }
}
