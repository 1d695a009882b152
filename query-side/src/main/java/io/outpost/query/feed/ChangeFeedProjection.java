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
import io.outpost.command.api.StateJson;
import io.outpost.command.api.SyncMetaData;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.MetaData;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Builds {@code records} (latest state per record, with tombstones) and {@code device_progress} from the events, in
 * the transaction that stores them (the processing group is a subscribing processor: AxonConfiguration). Every write
 * is an upsert guarded by version (or opId), so applying an event twice changes nothing. The writes of a unit of work
 * go to the database as two JDBC batches when it prepares its commit: records first, then device progress, so a
 * device's progress position is never below the positions of the effects it vouches for.
 *
 * <p><b>No gaps in a tenant's feed.</b> Concurrent transactions draw {@code change_seq} values and may commit out of
 * order: a puller that read up to 105 while 103 was uncommitted would skip 103 for ever. So every feed row also
 * carries the transaction that wrote it ({@code change_tx}, the column's default {@code pg_current_xact_id()}; V19),
 * and a pull reads in (change_tx, change_seq) order only below its snapshot's horizon, the oldest transaction still
 * open (ChangeFeedReader, FeedPosition). Writers do not wait for each other: many pushes of one tenant write and commit
 * at once, on one node or many.
 *
 * <p><b>The tenant's feed lock</b> ({@code pg_advisory_xact_lock}, in sorted order, held until the transaction ends)
 * remains for the writers that must have a tenant's feed to themselves — a rebuild's switch, a visibility change —
 * which take it exclusively. A push takes it shared before its rows draw positions: pushes never wait for each other
 * on it, and none writes while one of those holds it.
 */
@Component
@ProcessingGroup(ChangeFeedProjection.GROUP)
public class ChangeFeedProjection {

    public static final String GROUP = "sync-feed";

    /** The first key of the feed's advisory locks (the second is the tenant's hash). */
    public static final int FEED_LOCKS = 0x0f5eed;
    private static final String LOCKS = ChangeFeedProjection.class.getName() + ".tenantLocks";
    /**
     * Takes a tenant's feed lock shared, as a push writes, waiting as long as the transaction's own
     * {@code lock_timeout} allows (the push benchmark's phase (b2) takes it as a push does).
     */
    public static final String LOCK_TENANT_SHARED = "SELECT pg_advisory_xact_lock_shared(?, hashtext(?))";
    /**
     * The same, for a push: waiting at most 1.5 s ({@code lock_timeout} for the rest of the transaction), below the
     * driver's {@code socketTimeout} (2 s), so a long wait (a rebuild's switch holds the lock) ends as
     * {@code lock_not_available}, which the push retries as a collision, and not as a connection the pool must throw
     * away.
     */
    static final String LOCK_TENANT = LOCK_TENANT_SHARED
            + " FROM (SELECT set_config('lock_timeout', '1500ms', true)) AS bounded";
    /** The lock exclusively, for the writers that need a tenant's feed to themselves ({@link #lockFeeds}). */
    static final String LOCK_TENANT_EXCLUSIVE = "SELECT pg_advisory_xact_lock(?, hashtext(?))";

    /**
     * The writing transaction's id as a feed row's {@code change_tx} (the default of the feed tables' columns, V19),
     * for statements that must spell it.
     */
    public static final String CURRENT_TX = "pg_current_xact_id()::text::bigint";

    /**
     * Takes the feed locks of these tenants exclusively in the current transaction (in sorted order, held until it
     * ends), for the writers of feed positions other than pushes: a rebuild's switch, a visibility change. While they
     * are held, no push of those tenants writes feed rows or commits.
     */
    public static void lockFeeds(JdbcTemplate jdbc, java.util.Collection<String> tenants) {
        new TreeSet<>(tenants).forEach(t -> jdbc.queryForObject(LOCK_TENANT_EXCLUSIVE, Object.class, FEED_LOCKS, t));
    }

    /**
     * A record's row at a new version, drawing its feed position; {@code change_tx} comes from the column's default
     * (the push benchmark's phase (b2) writes it too).
     */
    public static final String UPSERT = """
            INSERT INTO records (tenant, collection, id, version, deleted, data, owner, created_by, updated_at,
                                 updated_by, schema_version, change_seq)
            VALUES (?, ?, ?, ?, ?, CAST(? AS json), ?, ?, ?, ?, ?, nextval('change_seq'))
            ON CONFLICT (tenant, collection, id) DO UPDATE SET
                version = excluded.version, deleted = excluded.deleted, data = excluded.data,
                schema_version = excluded.schema_version,
                owner = COALESCE(excluded.owner, records.created_by), updated_at = excluded.updated_at,
                updated_by = excluded.updated_by, change_seq = excluded.change_seq, change_tx = excluded.change_tx
            WHERE records.version < excluded.version""";

    private static final String PROGRESS = """
            INSERT INTO device_progress (tenant, device_id, last_op_id, progress_seq)
            VALUES (?, ?, ?, nextval('change_seq'))
            ON CONFLICT (tenant, device_id) DO UPDATE SET last_op_id = excluded.last_op_id,
                progress_seq = excluded.progress_seq, progress_tx = excluded.progress_tx
            WHERE device_progress.last_op_id < excluded.last_op_id""";

    private final JdbcTemplate jdbc;
    private final CollectionCatalog catalog;
    private final FeedNotifier notifier;
    private final String upsert;
    private final String progress;
    private final BatchedWrites writes;

    @Autowired
    public ChangeFeedProjection(JdbcTemplate jdbc, CollectionCatalog catalog, FeedNotifier notifier) {
        this(jdbc, catalog, notifier, "records", "device_progress");
    }

    private ChangeFeedProjection(JdbcTemplate jdbc, CollectionCatalog catalog, FeedNotifier notifier,
                                 String recordsTable, String progressTable) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.notifier = notifier;
        this.upsert = UPSERT.replace("records", recordsTable);
        this.progress = PROGRESS.replace("device_progress", progressTable);
        this.writes = new BatchedWrites(jdbc, List.of(upsert, progress));
    }

    /** The same projection writing into other tables, sending no notifications: for a rebuild. */
    public static ChangeFeedProjection into(JdbcTemplate jdbc, CollectionCatalog catalog, String recordsTable,
                                            String progressTable) {
        return new ChangeFeedProjection(jdbc, catalog, null, recordsTable, progressTable);
    }

    @EventHandler
    void on(RecordCreatedEvent e, @Timestamp Instant at, MetaData meta) {
        String owner = ownerField(e.key(), e.data(), e.schemaVersion());
        write(e.key(), e.version(), false, e.data(), e.schemaVersion(), owner != null ? owner : e.createdBy(),
                e.createdBy(), at, e.createdBy());
        progress(e.key().tenant(), meta);
    }

    @EventHandler
    void on(RecordUpdatedEvent e, @Timestamp Instant at, MetaData meta) {
        write(e.key(), e.version(), false, e.state(), e.schemaVersion(),
                ownerField(e.key(), e.state(), e.schemaVersion()), null, at, text(meta, SyncMetaData.USER));
        progress(e.key().tenant(), meta);
    }

    @EventHandler
    void on(RecordDeletedEvent e, @Timestamp Instant at, MetaData meta) {
        write(e.key(), e.version(), true, null, 1, null, null, at, text(meta, SyncMetaData.USER));
        progress(e.key().tenant(), meta);
    }

    @EventHandler
    void on(RecordUnchangedEvent e, MetaData meta) {
        progress(e.key().tenant(), meta);
    }

    @EventHandler
    void on(OperationConflictedEvent e, MetaData meta) {
        progress(e.key().tenant(), meta);
    }

    @EventHandler
    void on(OperationRejectedEvent e, MetaData meta) {
        progress(text(meta, SyncMetaData.TENANT), meta);
    }

    @ResetHandler
    void reset() {
        jdbc.update("DELETE FROM records");
        jdbc.update("DELETE FROM device_progress");
        jdbc.update("UPDATE feed_state SET epoch = epoch + 1");
    }

    private void write(RecordKey key, long version, boolean deleted, ObjectNode data, int schemaVersion, String owner,
                       String createdBy, Instant at, String updatedBy) {
        sharesFeedLock(key.tenant());
        Object[] row = {key.tenant(), key.collection(), key.id(), version, deleted,
                data == null ? null : StateJson.of(data).json(), owner, createdBy, java.sql.Timestamp.from(at), updatedBy,
                schemaVersion};
        // within a batch only a record's newest version matters (the upsert keeps the newer one anyway)
        writes.merge(upsert, List.of(key.tenant(), key.collection(), key.id()), row, ChangeFeedProjection::newer);
        if (notifier != null) notifier.changed(key.tenant());
    }


    /**
     * Two writes of one record in one batch: the newer version, keeping the creator that only a create carries; its
     * owner is its owner-field's user, else the creator, as the upsert's COALESCE and the push's visibility check
     * (OpPlanner.owner) have it.
     */
    private static Object[] newer(Object[] earlier, Object[] later) {
        boolean laterWins = (long) later[3] >= (long) earlier[3];
        Object[] newer = (laterWins ? later : earlier).clone();
        Object[] older = laterWins ? earlier : later;
        if (newer[7] == null) newer[7] = older[7];
        if (newer[6] == null) newer[6] = newer[7];
        return newer;
    }

    /** Advances the device's progress; every op leaves one event, so ops that changed nothing count too. */
    private void progress(String tenant, MetaData meta) {
        String device = text(meta, SyncMetaData.DEVICE);
        Object op = meta.get(SyncMetaData.OP_ID);
        if (tenant == null || device == null || !(op instanceof Number opId)) return;
        sharesFeedLock(tenant);
        Object[] row = {tenant, device, opId.longValue()};
        writes.merge(progress, List.of(tenant, device), row,
                (earlier, later) -> (long) later[2] >= (long) earlier[2] ? later : earlier);
    }

    /**
     * Takes the tenant's feed lock, shared, in this unit of work's transaction before its rows draw {@code change_seq}
     * values (class comment). Registered before the first row of the unit of work, so it runs first when the commit is
     * prepared. A rebuild writes tables of its own, alone, and takes none.
     */
    private void sharesFeedLock(String tenant) {
        if (notifier == null || !CurrentUnitOfWork.isStarted()) return;
        UnitOfWork<?> uow = CurrentUnitOfWork.get().root();
        Set<String> tenants = uow.getOrComputeResource(LOCKS, k -> {
            Set<String> sorted = new TreeSet<>();
            uow.onPrepareCommit(u -> sorted.forEach(t -> jdbc.queryForObject(LOCK_TENANT, Object.class,
                    FEED_LOCKS, t)));
            return sorted;
        });
        tenants.add(tenant);
    }

    /** Metadata read back from the store comes as JSON types (numbers may be Integer), so read it loosely. */
    private static String text(MetaData meta, String key) {
        Object value = meta.get(key);
        return value == null ? null : value.toString();
    }

    /**
     * The owner named by the collection's {@code owner-field} (read in the collection's current schema shape), or null
     * when it has none or the data lacks it.
     */
    private String ownerField(RecordKey key, ObjectNode data, int schemaVersion) {
        return catalog.find(key.collection()).map(rules -> rules.ownerIn(rules.schemaVersions()
                .convert(schemaVersion, rules.schemaVersions().current(), data))).orElse(null);
    }
}
