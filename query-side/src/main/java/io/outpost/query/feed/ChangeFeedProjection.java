package io.outpost.query.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.command.api.OperationConflictedEvent;
import io.outpost.command.api.OperationRejectedEvent;
import io.outpost.command.api.RecordCreatedEvent;
import io.outpost.command.api.RecordDeletedEvent;
import io.outpost.command.api.RecordKey;
import io.outpost.command.api.RecordUnchangedEvent;
import io.outpost.command.api.RecordUpdatedEvent;
import io.outpost.command.api.SyncMetaData;
import java.time.Instant;
import java.util.List;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.MetaData;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Builds {@code records} (latest state per record, with tombstones) and {@code device_progress} from the event
 * stream. {@code change_seq} comes from one sequence that only this single-segment processor draws from, in stream
 * order, so committed feed positions never leave a gap behind them. Every write is an upsert guarded by version (or
 * opId), so replaying an event changes nothing. The writes of a processor batch go to the database as two JDBC
 * batches when it commits: records first, then device progress, so a device's progress position is never below the
 * positions of the effects it vouches for.
 */
@Component
@ProcessingGroup(ChangeFeedProjection.GROUP)
public class ChangeFeedProjection {

    public static final String GROUP = "sync-feed";

    private static final String UPSERT = """
            INSERT INTO records (tenant, collection, id, version, deleted, data, owner, created_by, updated_at,
                                 updated_by, change_seq)
            VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, nextval('change_seq'))
            ON CONFLICT (tenant, collection, id) DO UPDATE SET
                version = excluded.version, deleted = excluded.deleted, data = excluded.data,
                owner = COALESCE(excluded.owner, records.owner), updated_at = excluded.updated_at,
                updated_by = excluded.updated_by, change_seq = excluded.change_seq
            WHERE records.version < excluded.version""";

    private static final String PROGRESS = """
            INSERT INTO device_progress (tenant, device_id, last_op_id, progress_seq)
            VALUES (?, ?, ?, nextval('change_seq'))
            ON CONFLICT (tenant, device_id) DO UPDATE SET last_op_id = excluded.last_op_id,
                progress_seq = excluded.progress_seq
            WHERE device_progress.last_op_id < excluded.last_op_id""";

    private final JdbcTemplate jdbc;
    private final CollectionCatalog catalog;
    private final FeedNotifier notifier;
    private final ProjectionClock clock;
    private final String upsert;
    private final String progress;
    private final BatchedWrites writes;

    @Autowired
    public ChangeFeedProjection(JdbcTemplate jdbc, CollectionCatalog catalog, FeedNotifier notifier,
                                ProjectionClock clock) {
        this(jdbc, catalog, notifier, clock, "records", "device_progress");
    }

    private ChangeFeedProjection(JdbcTemplate jdbc, CollectionCatalog catalog, FeedNotifier notifier,
                                 ProjectionClock clock, String recordsTable, String progressTable) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.notifier = notifier;
        this.clock = clock;
        this.upsert = UPSERT.replace("records", recordsTable);
        this.progress = PROGRESS.replace("device_progress", progressTable);
        this.writes = new BatchedWrites(jdbc, List.of(upsert, progress));
    }

    /** The same projection writing into other tables, sending no notifications: for a rebuild. */
    public static ChangeFeedProjection into(JdbcTemplate jdbc, CollectionCatalog catalog, String recordsTable,
                                            String progressTable) {
        return new ChangeFeedProjection(jdbc, catalog, null, new ProjectionClock(), recordsTable, progressTable);
    }

    @EventHandler
    void on(RecordCreatedEvent e, @Timestamp Instant at, MetaData meta) {
        String owner = ownerField(e.key(), e.data());
        write(e.key(), e.version(), false, e.data(), owner != null ? owner : e.createdBy(), e.createdBy(), at,
                e.createdBy());
        progress(e.key().tenant(), meta, at);
    }

    @EventHandler
    void on(RecordUpdatedEvent e, @Timestamp Instant at, MetaData meta) {
        write(e.key(), e.version(), false, e.state(), ownerField(e.key(), e.state()), null, at,
                text(meta, SyncMetaData.USER));
        progress(e.key().tenant(), meta, at);
    }

    @EventHandler
    void on(RecordDeletedEvent e, @Timestamp Instant at, MetaData meta) {
        write(e.key(), e.version(), true, null, null, null, at, text(meta, SyncMetaData.USER));
        progress(e.key().tenant(), meta, at);
    }

    @EventHandler
    void on(RecordUnchangedEvent e, @Timestamp Instant at, MetaData meta) {
        progress(e.key().tenant(), meta, at);
    }

    @EventHandler
    void on(OperationConflictedEvent e, @Timestamp Instant at, MetaData meta) {
        progress(e.key().tenant(), meta, at);
    }

    @EventHandler
    void on(OperationRejectedEvent e, @Timestamp Instant at, MetaData meta) {
        progress(text(meta, SyncMetaData.TENANT), meta, at);
    }

    @ResetHandler
    void reset() {
        jdbc.update("DELETE FROM records");
        jdbc.update("DELETE FROM device_progress");
        jdbc.update("UPDATE feed_state SET epoch = epoch + 1");
    }

    private void write(RecordKey key, long version, boolean deleted, ObjectNode data, String owner, String createdBy,
                       Instant at, String updatedBy) {
        Object[] row = {key.tenant(), key.collection(), key.id(), version, deleted,
                data == null ? null : data.toString(), owner, createdBy, java.sql.Timestamp.from(at), updatedBy};
        // within a batch only a record's newest version matters (the upsert keeps the newer one anyway)
        writes.merge(upsert, List.of(key.tenant(), key.collection(), key.id()), row, ChangeFeedProjection::newer);
        if (notifier != null) notifier.changed(key.tenant());
        clock.processed(at);
    }


    /**
     * Two writes of one record in one batch: the newer version, keeping the owner and creator that only a create (or
     * an owner-field value) carries, as the upsert's COALESCE and insert would have kept them.
     */
    private static Object[] newer(Object[] earlier, Object[] later) {
        boolean laterWins = (long) later[3] >= (long) earlier[3];
        Object[] newer = (laterWins ? later : earlier).clone();
        Object[] older = laterWins ? earlier : later;
        if (newer[6] == null) newer[6] = older[6];
        if (newer[7] == null) newer[7] = older[7];
        return newer;
    }

    /** Advances the device's progress; every op leaves one event, so ops that changed nothing count too. */
    private void progress(String tenant, MetaData meta, Instant at) {
        clock.processed(at);
        String device = text(meta, SyncMetaData.DEVICE);
        Object op = meta.get(SyncMetaData.OP_ID);
        if (tenant == null || device == null || !(op instanceof Number opId)) return;
        Object[] row = {tenant, device, opId.longValue()};
        writes.merge(progress, List.of(tenant, device), row,
                (earlier, later) -> (long) later[2] >= (long) earlier[2] ? later : earlier);
    }

    /** Metadata read back from the store comes as JSON types (numbers may be Integer), so read it loosely. */
    private static String text(MetaData meta, String key) {
        Object value = meta.get(key);
        return value == null ? null : value.toString();
    }

    /** The owner named by the collection's {@code owner-field}, or null when it has none or the data lacks it. */
    private String ownerField(RecordKey key, ObjectNode data) {
        return catalog.find(key.collection()).map(rules -> rules.ownerIn(data)).orElse(null);
    }
}
