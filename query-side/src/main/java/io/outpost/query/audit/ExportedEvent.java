package io.outpost.query.audit;

/** One stored event as exported: its global position and the stored JSON of its payload and metadata. */
public record ExportedEvent(long position, String eventId, String aggregateIdentifier, long sequence,
                            String payloadType, String payloadRevision, String recordedAt, String payloadJson,
                            String metadataJson) {
}
