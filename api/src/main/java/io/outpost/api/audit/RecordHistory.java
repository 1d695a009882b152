package io.outpost.api.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.api.web.dto.HistoryEntry;
import io.outpost.command.api.ConflictParkedEvent;
import io.outpost.command.api.ConflictResolvedEvent;
import io.outpost.command.api.OperationConflictedEvent;
import io.outpost.command.api.OperationRejectedEvent;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordDeletedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUnchangedEvent;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.SyncMetaData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Component;

/**
 * Folds a record's event stream, read from the event store (never the read model), into its history: every accepted
 * change with the state after it, and every refused, rejected, parked or resolved attempt.
 */
@Component
class RecordHistory {

    private final EventStore events;
    private final ObjectMapper mapper;

    RecordHistory(EventStore events, ObjectMapper mapper) {
        this.events = events;
        this.mapper = mapper;
    }

    List<HistoryEntry> of(RecordKey key) {
        List<HistoryEntry> history = new ArrayList<>();
        long version = 0;
        ObjectNode state = null;
        // from sequence 0: readEvents(id) would start at the record's newest snapshot, not at its first event
        for (DomainEventMessage<?> m : events.readEvents(key.toString(), 0).asStream().toList()) {
            Object e = m.getPayload();
            Map<String, Object> details = new LinkedHashMap<>();
            String type;
            JsonNode patch = null;
            JsonNode resolved = null;
            if (e instanceof RecordCreatedEvent c) {
                type = "create";
                version = c.version();
                state = c.data();
                patch = c.data();
                details.put("schemaVersion", c.schemaVersion());
            } else if (e instanceof RecordUpdatedEvent u) {
                type = "update";
                version = u.version();
                state = u.state();
                patch = u.patch();
                details.put("schemaVersion", u.schemaVersion());
                resolved = u.resolvedConflict() == null ? null : mapper.valueToTree(u.resolvedConflict());
            } else if (e instanceof RecordDeletedEvent d) {
                type = "delete";
                version = d.version();
                state = null;
                resolved = d.resolvedConflict() == null ? null : mapper.valueToTree(d.resolvedConflict());
            } else if (e instanceof RecordUnchangedEvent u) {
                type = "unchanged";
                details.put("reason", u.reason());
            } else if (e instanceof OperationConflictedEvent c) {
                type = "conflict";
                details.put("opType", c.opType());
                details.put("strategy", c.strategy());
                details.put("baseVersion", c.baseVersion());
                details.put("fields", c.fields());
                details.put("attempt", c.attempt());
            } else if (e instanceof OperationRejectedEvent r) {
                type = "rejected";
                details.put("opType", r.opType());
                details.put("code", r.code().wire());
                details.put("message", r.message());
                details.put("fields", r.fields());
            } else if (e instanceof ConflictParkedEvent p) {
                type = "conflict_parked";
                details.put("conflictId", p.conflictId());
                details.put("opType", p.opType());
                details.put("baseVersion", p.baseVersion());
                details.put("fields", p.fields());
                details.put("attempt", p.attempt());
            } else if (e instanceof ConflictResolvedEvent r) {
                type = "conflict_resolved";
                details.put("conflictId", r.conflictId());
                details.put("resolution", r.resolution());
                details.put("resolvedBy", r.resolvedBy());
            } else {
                type = m.getPayloadType().getSimpleName();
            }
            Object opId = m.getMetaData().get(SyncMetaData.OP_ID);
            Object user = m.getMetaData().get(SyncMetaData.USER);
            Object device = m.getMetaData().get(SyncMetaData.DEVICE);
            Object clientTs = m.getMetaData().get(SyncMetaData.CLIENT_TIMESTAMP);
            history.add(new HistoryEntry(version, type, state, patch, user == null ? null : user.toString(),
                    device == null ? null : device.toString(), opId instanceof Number n ? n.longValue() : null,
                    clientTs == null ? null : clientTs.toString(), m.getTimestamp(), m.getIdentifier(),
                    m.getSequenceNumber(), resolved, details.isEmpty() ? null : details));
        }
        return history;
    }
}
