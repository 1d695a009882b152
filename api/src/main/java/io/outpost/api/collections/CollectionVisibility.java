package io.outpost.api.collections;

import io.outpost.command.api.CollectionCatalog;
import io.outpost.command.api.CollectionRules;
import io.outpost.query.feed.ChangeFeedProjection;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps every node on the same {@code owner-field} and {@code visibility} per collection (docs/rebuild.md). The
 * database records the settings in effect ({@code collection_visibility}, V16). At start, before the server answers,
 * a node compares its configuration with them: equal, it starts; different, it refuses to start, unless
 * {@code outpost.visibility.apply-changes} is on, in which case it applies the change in one transaction and records
 * it. Applying moves only the records whose visibility changed for someone: owners are recomputed from the data,
 * records a user can no longer see get a removal row for that user (sent as a tombstone), records that became visible
 * to more users get a fresh feed position; no cursor is reset. The first start with V16 records the configuration as
 * it is.
 */
@Component
class CollectionVisibility implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(CollectionVisibility.class);
    /** Serialises nodes starting at once (the key of this advisory lock is not used elsewhere). */
    private static final String START_LOCK = "SELECT pg_advisory_xact_lock(0x0c0115, 0)";

    /** A collection's settings as the database keeps them: visibility in lower case, the owner-field or null. */
    record Setting(String visibility, String ownerField) {
        static final Setting DEFAULT = new Setting("tenant", null);

        static Setting of(CollectionRules rules) {
            return new Setting(rules.visibility().name().toLowerCase(Locale.ROOT), rules.ownerField());
        }

        boolean ownerOnly() {
            return visibility.equals("owner");
        }

        @Override
        public String toString() {
            return "visibility " + visibility + ", owner-field " + (ownerField == null ? "(none)" : ownerField);
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final CollectionCatalog catalog;
    private final VisibilityProperties properties;
    private final Clock clock;

    CollectionVisibility(JdbcTemplate jdbc, PlatformTransactionManager transactions, CollectionCatalog catalog,
                         VisibilityProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.catalog = catalog;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        transaction.executeWithoutResult(tx -> reconcile());
    }

    private void reconcile() {
        jdbc.execute((ConnectionCallback<Void>) con -> {
            con.setNetworkTimeout(Runnable::run, 0); // applying a change may rewrite many rows; the pool resets it
            return null;
        });
        jdbc.queryForObject(START_LOCK, Object.class);
        Map<String, Setting> configured = new TreeMap<>();
        catalog.declared().forEach(rules -> configured.put(rules.name(), Setting.of(rules)));
        Map<String, Setting> stored = new TreeMap<>();
        jdbc.query("SELECT collection, visibility, owner_field FROM collection_visibility",
                rs -> { stored.put(rs.getString(1), new Setting(rs.getString(2), rs.getString(3))); });
        boolean recorded = jdbc.queryForObject("SELECT visibility_recorded FROM feed_state WHERE id = 1",
                Boolean.class);

        List<String> changes = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(configured.keySet());
        names.addAll(stored.keySet());
        for (String name : names) {
            Setting from = stored.getOrDefault(name, Setting.DEFAULT);
            Setting to = configured.getOrDefault(name, Setting.DEFAULT);
            if (recorded && !from.equals(to)) {
                changes.add(name + ": " + from + " in effect, " + to + " configured");
            }
        }
        if (!changes.isEmpty() && !properties.applyChanges()) {
            throw new IllegalStateException("Refusing to start: the owner-field or visibility configured for "
                    + "collections differs from the one in effect for every node (" + String.join("; ", changes)
                    + "). Either configure them as they are in effect, or apply the change: stop the other nodes, "
                    + "start one node with outpost.visibility.apply-changes=true (OUTPOST_VISIBILITY_APPLY_CHANGES), "
                    + "then the others with the new configuration (docs/rebuild.md).");
        }
        if (recorded) {
            for (String name : names) {
                Setting from = stored.getOrDefault(name, Setting.DEFAULT);
                Setting to = configured.getOrDefault(name, Setting.DEFAULT);
                if (!from.equals(to)) apply(name, from, to);
            }
        }
        Timestamp now = Timestamp.from(clock.instant());
        stored.keySet().stream().filter(n -> !configured.containsKey(n))
                .forEach(n -> jdbc.update("DELETE FROM collection_visibility WHERE collection = ?", n));
        configured.forEach((name, s) -> {
            if (!s.equals(stored.get(name))) {
                jdbc.update("INSERT INTO collection_visibility (collection, visibility, owner_field, applied_at) "
                        + "VALUES (?, ?, ?, ?) ON CONFLICT (collection) DO UPDATE SET visibility = excluded.visibility, "
                        + "owner_field = excluded.owner_field, applied_at = excluded.applied_at", name, s.visibility(),
                        s.ownerField(), now);
            }
        });
        if (!recorded) {
            jdbc.update("UPDATE feed_state SET visibility_recorded = true WHERE id = 1");
            log.info("recorded the owner-field and visibility of {} collection(s) as in effect", configured.size());
        }
    }

    /**
     * Applies one collection's change to the read model, holding the feed locks of the tenants that have records in
     * it (fresh positions lie above everything committed, as for a push).
     */
    private void apply(String collection, Setting from, Setting to) {
        List<String> tenants = jdbc.queryForList("SELECT DISTINCT tenant FROM records WHERE collection = ? "
                + "ORDER BY 1", String.class, collection);
        ChangeFeedProjection.lockFeeds(jdbc, tenants);
        long owners = 0;
        long hidden = 0;
        long shown = 0;
        if (!Objects.equals(from.ownerField(), to.ownerField())) {
            // the owner-field's user (a string, or an integer as its decimal text: RecordKey.idText), else the creator;
            // the trigger records_owner_moved gives each old owner a removal row. Where the collection was
            // owner-visible before and after, the new owner must get the record: a fresh position.
            String owner = to.ownerField() == null ? "created_by"
                    : "COALESCE(CASE json_typeof(data -> ?) WHEN 'string' THEN data ->> ? WHEN 'number' THEN "
                    + "substring(data ->> ? FROM '^-?[0-9]+$') END, created_by)";
            Object[] args = to.ownerField() == null ? new Object[]{collection}
                    : new Object[]{to.ownerField(), to.ownerField(), to.ownerField(), to.ownerField(),
                    to.ownerField(), to.ownerField(), collection};
            owners = jdbc.update("UPDATE records SET owner = " + owner
                    + (from.ownerOnly() && to.ownerOnly()
                    ? ", change_seq = nextval('change_seq'), change_tx = DEFAULT" : "")
                    + " WHERE owner IS DISTINCT FROM " + owner + " AND collection = ? AND NOT deleted", args);
        }
        if (!from.ownerOnly() && to.ownerOnly()) {
            // everyone but each record's owner loses sight of it
            hidden = jdbc.update("INSERT INTO feed_removals (tenant, collection, id, lost_by, change_seq) "
                    + "SELECT tenant, collection, id, '', nextval('change_seq') FROM records WHERE collection = ? "
                    + "ON CONFLICT (tenant, collection, id, lost_by) DO UPDATE SET change_seq = excluded.change_seq, "
                    + "change_tx = excluded.change_tx",
                    collection);
        } else if (from.ownerOnly() && !to.ownerOnly()) {
            // everyone may see every record now (its owner gets it once more, unchanged)
            shown = jdbc.update("UPDATE records SET change_seq = nextval('change_seq'), change_tx = DEFAULT "
                    + "WHERE collection = ? AND NOT deleted", collection);
        }
        tenants.forEach(t -> jdbc.queryForObject("SELECT pg_notify('outpost_changes', ?)", Object.class, t));
        log.warn("applied the new owner-field/visibility of collection {} ({} before, {} now) in {} tenant(s): {} "
                        + "owner(s) recomputed, {} record(s) hidden from users who saw them, {} record(s) shown to more "
                        + "users", collection, from, to, tenants.size(), owners, hidden, shown);
    }
}
