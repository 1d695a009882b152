package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * One stored event in an export: its global {@code position}, identity, the record stream it belongs to (null for a
 * free-standing event), its type and revision, and its stored metadata and payload JSON.
 */
@Schema(requiredProperties = {"position", "eventId", "sequence", "type", "recordedAt", "metadata", "payload"})
public record AuditEvent(long position, String eventId, String aggregate, long sequence, String type,
                         String revision, @Schema(format = "date-time") String recordedAt,
                                 @Schema(implementation = Object.class, description = "the event's stored metadata")
                                 @JsonRawValue String metadata,
                         @Schema(implementation = Object.class, description = "the event's stored payload")
                                 @JsonRawValue String payload) {
}
