package io.outpost.api.audit;

import io.outpost.api.web.dto.VerifyResponse;
import io.outpost.command.api.EventChain;
import io.outpost.command.api.RecordKey;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Recomputes records' hash chains ({@link EventChain}) from the stored events and compares them. Streams are read
 * from sequence 0: {@code readEvents(id)} would start at the record's newest snapshot.
 */
@Component
class ChainVerifier {

    private final EventStore events;
    private final JdbcTemplate jdbc;

    ChainVerifier(EventStore events, JdbcTemplate jdbc) {
        this.events = events;
        this.jdbc = jdbc;
    }

    VerifyResponse record(RecordKey key) {
        List<VerifyResponse.Mismatch> mismatches = new ArrayList<>();
        long count = verify(key.toString(), key.tenant(), mismatches);
        return new VerifyResponse(mismatches.isEmpty(), count == 0 ? 0 : 1, count, mismatches);
    }

    /** Every record stream of the tenant (cost grows with the tenant's events: an admin tool, not a hot path). */
    VerifyResponse tenant(String tenant) {
        List<String> streams = jdbc.queryForList("SELECT DISTINCT aggregate_identifier FROM domain_event_entry "
                + "WHERE aggregate_identifier LIKE ? ORDER BY aggregate_identifier", String.class, tenant + "/%");
        List<VerifyResponse.Mismatch> mismatches = new ArrayList<>();
        long count = 0;
        for (String stream : streams) count += verify(stream, tenant, mismatches);
        return new VerifyResponse(mismatches.isEmpty(), streams.size(), count, mismatches);
    }

    private long verify(String aggregateIdentifier, String tenant, List<VerifyResponse.Mismatch> mismatches) {
        String hash = EventChain.GENESIS;
        long count = 0;
        boolean reported = false;
        for (DomainEventMessage<?> m : events.readEvents(aggregateIdentifier, 0).asStream().toList()) {
            count++;
            String expected;
            try {
                expected = EventChain.next(hash, m.getPayload());
            } catch (RuntimeException unreadable) {
                expected = "unreadable payload";
            }
            Object stored = m.getMetaData().get(EventChain.META_KEY);
            if (!reported && !expected.equals(stored)) {
                mismatches.add(new VerifyResponse.Mismatch(aggregateIdentifier.substring(tenant.length() + 1),
                        m.getSequenceNumber(), m.getIdentifier(), expected,
                        stored == null ? null : stored.toString()));
                reported = true;
            }
            hash = expected;
        }
        return count;
    }
}
