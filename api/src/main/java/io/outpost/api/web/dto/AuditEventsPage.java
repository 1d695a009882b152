package io.outpost.api.web.dto;

import java.util.List;

/** A page of {@code GET /audit/events}: pass {@code position} as {@code after} for the next page. */
public record AuditEventsPage(List<AuditEvent> events, long position, boolean hasMore) {
}
