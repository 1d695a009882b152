package io.outpost.query.conflicts;

/**
 * Conflicts of a tenant, oldest first.
 *
 * @param userId     only conflicts of this user's operations; null for all (admins)
 * @param status     {@code open}, {@code resolved}, or null for both
 * @param collection null for all
 */
public record FetchConflictsQuery(String tenant, String userId, String status, String collection, int limit) {
}
