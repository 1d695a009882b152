package io.outpost.api.web.dto;

import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * One stored event in an export: its global {@code position}, identity, the record stream it belongs to (null for a
 * free-standing event), its type and revision, and its stored metadata and payload JSON.
 */
public record AuditEvent(long position, String eventId, String aggregate, long sequence, String type,
                         String revision, String recordedAt, @JsonRawValue String metadata,
                         @JsonRawValue String payload) {
}
