package io.outpost.api.web.dto;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/** A page of {@code GET /audit/events}: pass {@code position} as {@code after} for the next page. */
@Schema(requiredProperties = {"events", "position", "hasMore"})
public record AuditEventsPage(List<AuditEvent> events, long position, boolean hasMore) {
}
