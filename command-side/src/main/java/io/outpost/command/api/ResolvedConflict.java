package io.outpost.command.api;

import java.util.List;

/**
 * How a change won a conflict automatically: the strategy, the version the client based it on, the server
 * version it was applied over, and the fields that had changed on both sides.
 */
public record ResolvedConflict(String strategy, long baseVersion, long overwrittenVersion, List<String> fields) {
}
