package io.outpost.sdk.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.sdk.Conflict;
import io.outpost.sdk.Filter;
import io.outpost.sdk.LocalRecord;
import io.outpost.sdk.OpState;
import io.outpost.sdk.OpType;
import io.outpost.sdk.OperationError;
import io.outpost.sdk.QueuedOperation;
import io.outpost.sdk.WrongStoreKeyException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The device's durable state in one SQLite file: meta (deviceId, next opId, cursor, settings), {@code records} (the
 * server's last confirmed state of each record and, while local ops are live, the view with them on top) and
 * {@code ops} (the queue). Every public method is one transaction under one lock; a local write and its queued op
 * commit together, so a crash loses neither or both. {@code synchronous=FULL}: a committed write survives power loss.
 *
 * <p>A record's view is its server state with its <em>live</em> ops applied in opId order: PENDING and SYNCING ops,
 * and SYNCED ops above the last {@code lastProcessedOpId} a completed pull confirmed (a pull that does not include
 * them yet must not make them vanish). CONFLICT and FAILED ops are not live: the record shows the server's state.
 */
public final class LocalStore implements AutoCloseable {

    private static final int SCHEMA_VERSION = 5;
    /** The most ops one op group may have: one push's limit. */
    public static final int MAX_GROUP = 1000;

    private final Connection db;
    private final ObjectMapper json;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile String deviceId;
    private final Map<String, PreparedStatement> statements = new java.util.HashMap<>();

    /** The op group of the transaction running on the lock's thread ({@link #transaction}), else null. */
    private String group;

    /**
     * Checks a local write before anything of it is written: throws (an
     * {@link io.outpost.sdk.InvalidWriteException}) to refuse it. {@code result}: the record as the write leaves it
     * (null for a delete); {@code opData}: what the op carries (the data, the patch, the deltas).
     */
    public interface WriteCheck {
        void check(OpType type, String collection, String id, ObjectNode result, ObjectNode opData);

        WriteCheck NONE = (type, collection, id, result, opData) -> { };
    }

    private volatile WriteCheck writeCheck = WriteCheck.NONE;

    /** The check every local write passes first ({@link ServerRules}); {@link WriteCheck#NONE} by default. */
    public void writeCheck(WriteCheck check) {
        this.writeCheck = java.util.Objects.requireNonNull(check, "check");
    }

    /**
     * A queued op as the engine needs it; {@code group}: its op group, or null; {@code schemaVersion}: the collection
     * schema version it was written in (docs/schema-versions.md), or null when the app declared none.
     */
    public record Op(long opId, OpType type, String collection, String id, boolean temp, long baseVersion,
                     ObjectNode data, String clientTimestamp, String group, Integer schemaVersion) {

        public Op(long opId, OpType type, String collection, String id, boolean temp, long baseVersion,
                  ObjectNode data, String clientTimestamp) {
            this(opId, type, collection, id, temp, baseVersion, data, clientTimestamp, null, null);
        }
    }

    /** Collection → the schema version this app writes (SyncClient.Builder#schemaVersion); others: none declared. */
    private volatile Map<String, Integer> schemaVersions = Map.of();

    /**
     * The schema version of each collection the app writes in: every op queued from now on is stamped with its
     * collection's (and keeps it: an op queued before an app update is sent in the version it was written in).
     */
    public void schemaVersions(Map<String, Integer> versions) {
        this.schemaVersions = Map.copyOf(versions);
    }

    /** The version a new op of {@code collection} is stamped with; null when the app declared none. */
    private Integer versionOf(String collection) {
        return schemaVersions.get(collection);
    }

    /**
     * Runs {@code body} as one local transaction whose writes queue their ops as one op group (contract v1.2): sent
     * in one push and applied by the server all or nothing. Inside it a record changes once (writes of one record
     * fold into one op; a write that cannot fold is refused), and at most {@code maxOps} ops are queued.
     */
    public <T> T transaction(int maxOps, java.util.function.Supplier<T> body) {
        return inTx(() -> {
            if (group != null) throw new IllegalStateException("transactions do not nest");
            group = "g-" + java.util.UUID.randomUUID();
            try {
                T result = body.get();
                try (PreparedStatement ps = db.prepareStatement("SELECT count(*) FROM ops WHERE group_id = ?")) {
                    ps.setString(1, group);
                    try (ResultSet rs = ps.executeQuery()) {
                        int n = rs.next() ? rs.getInt(1) : 0;
                        if (n > maxOps) {
                            throw new IllegalStateException("a transaction queues at most " + maxOps
                                    + " changes (one push); this one made " + n);
                        }
                    }
                }
                return result;
            } finally {
                group = null;
            }
        });
    }

    /** A pulled change. */
    public record Change(String collection, String id, long version, boolean deleted, ObjectNode data) {
    }

    /** What a store change touched, for the data listeners: collection → ids (an empty set: "reload all"). */
    public record Touched(Map<String, Set<String>> ids, Map<String, Map<String, String>> replacedIds) {

        public Touched(Map<String, Set<String>> ids) {
            this(ids, new LinkedHashMap<>());
        }

        public static Touched of() {
            return new Touched(new LinkedHashMap<>());
        }

        /** A temporary id of {@code collection} the server replaced by {@code realId}. */
        void replaced(String collection, String tempId, String realId) {
            replacedIds.computeIfAbsent(collection, c -> new LinkedHashMap<>()).put(tempId, realId);
        }

        void add(String collection, String id) {
            Set<String> set = ids.computeIfAbsent(collection, c -> new LinkedHashSet<>());
            if (set != ALL && id != null) {
                set.add(id);
            }
        }

        public void all(String collection) {
            ids.put(collection, ALL);
        }

        public boolean isEmpty() {
            return ids.isEmpty();
        }

        /** The marker for "everything in this collection". */
        public static final Set<String> ALL = Set.of();
    }

    private LocalStore(Connection db, ObjectMapper json) throws SQLException {
        this.db = db;
        this.json = json;
        migrate();
        this.deviceId = initDeviceId();
        // a crash while a push was in flight: those ops were maybe applied; re-sending them gets "duplicate" answers
        update("UPDATE ops SET state = 'PENDING' WHERE state = 'SYNCING'");
        db.commit();
    }

    public static LocalStore open(Path file, ObjectMapper json) {
        return open(file, json, null);
    }

    /**
     * Opens (or creates) the store; {@code hexKey}: the raw key of an encrypted store (SQLite3 Multiple Ciphers,
     * ChaCha20-Poly1305: every page of the file and its write-ahead log), null for a plain one. The key is checked
     * by a first read before anything is written: a store that cannot be read with it is left as it was.
     *
     * @throws WrongStoreKeyException when the file cannot be read with the key (or without one)
     */
    public static LocalStore open(Path file, ObjectMapper json, String hexKey) {
        Properties properties = new Properties();
        if (hexKey != null) {
            // applied by the driver first thing on the new connection, before any other statement reads the file
            properties.setProperty("cipher", CIPHER);
            properties.setProperty("key", hexKey);
            properties.setProperty("hexkey_mode", "SSE");
        }
        Connection db;
        try {
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), properties);
        } catch (SQLException e) {
            throw unreadable(file, hexKey, e);
        }
        try {
            if (hexKey != null) {
                requireCiphers(db);
            }
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                rs.next();
            } catch (SQLException e) {
                throw unreadable(file, hexKey, e);
            }
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
            }
            db.setAutoCommit(false);
            return new LocalStore(db, json);
        } catch (SQLException e) {
            closeQuietly(db, e);
            throw new StoreException("cannot open the local store " + file, e);
        } catch (RuntimeException e) {
            closeQuietly(db, e);
            throw e;
        }
    }

    /** The cipher of an encrypted store: ChaCha20-Poly1305 (SQLite3 Multiple Ciphers' default, "sqleet"). */
    private static final String CIPHER = "chacha20";

    private static RuntimeException unreadable(Path file, String hexKey, SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        boolean notReadable = e.getErrorCode() == 26 /* SQLITE_NOTADB */ || message.contains("not a database")
                || message.contains("unsupported file format");
        if (!notReadable) {
            return new StoreException("cannot open the local store " + file, e);
        }
        return new WrongStoreKeyException(file.toAbsolutePath(), "the local store " + file.toAbsolutePath()
                + (hexKey != null
                ? " cannot be read with this key: a wrong key or password, or a store that is not encrypted"
                : " cannot be read without a key: it is encrypted (or not an Outpost store)")
                + "; the file is left as it was", e);
    }

    /** An encrypted store needs the SQLite3 Multiple Ciphers build: plain SQLite would ignore the key and write clear text. */
    private static void requireCiphers(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT sqlite3mc_version()")) {
            rs.next();
        } catch (SQLException e) {
            throw new IllegalStateException("an encrypted store needs SQLite3 Multiple Ciphers: the driver on the "
                    + "classpath is plain SQLite (use io.github.willena:sqlite-jdbc, not org.xerial:sqlite-jdbc)", e);
        }
    }

    private static void closeQuietly(Connection db, Throwable cause) {
        try {
            db.close();
        } catch (SQLException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    /**
     * Encrypts the whole store with a new key (or, for a plain store, encrypts it for the first time), in one
     * SQLite transaction: a crash leaves it under the old key or the new one, never half of each. SQLite3 Multiple
     * Ciphers rekeys only outside WAL mode, so the store leaves WAL mode for it and returns to it.
     */
    public void rekey(String hexKey) {
        lock.lock();
        try {
            requireCiphers(db);
            db.commit();
            db.setAutoCommit(true);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=DELETE");
                try {
                    s.execute("PRAGMA cipher = '" + CIPHER + "'");
                    try (ResultSet rs = s.executeQuery("PRAGMA hexrekey = '" + hexKey + "'")) {
                        String answer = rs.next() ? rs.getString(1) : null;
                        if (answer != null && !"ok".equalsIgnoreCase(answer)) {
                            throw new SQLException("rekey answered " + answer);
                        }
                    }
                } finally {
                    s.execute("PRAGMA journal_mode=WAL");
                }
            } finally {
                db.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new StoreException("rekeying the local store", e);
        } finally {
            lock.unlock();
        }
    }

    private void migrate() throws SQLException {
        int version;
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > SCHEMA_VERSION) {
            throw new SQLException("the local store was written by a newer SDK (schema " + version + ")");
        }
        if (version == SCHEMA_VERSION) {
            return;
        }
        try (Statement s = db.createStatement()) {
            if (version < 1) createVersion1(s);
            if (version < 2) {
                // (collection, record_id, op_id): the per-answer "later pending ops of this record" update uses it for
                // all three terms; with (collection, record_id) only, SQLite chose ops_state and scanned every pending
                // op once per answer (10,000 queued ops drained at 414 ops/s)
                s.execute("DROP INDEX ops_record");
                s.execute("CREATE INDEX ops_record ON ops (collection, record_id, op_id)");
            }
            if (version < 3) {
                // whether an op was ever sent: a sent op may have been applied even if its answer was lost, so it is
                // never changed afterwards (re-sent with other content under the same opId, the server would answer
                // it from the stored result and the change would be lost). Ops of an older store: maybe sent.
                s.execute("ALTER TABLE ops ADD COLUMN sent INTEGER NOT NULL DEFAULT 0");
                s.execute("UPDATE ops SET sent = 1");
            }
            if (version < 4) {
                // the op group (contract v1.2) of the ops one SyncClient.transaction queued: sent in one push, applied
                // all or nothing by the server
                s.execute("ALTER TABLE ops ADD COLUMN group_id TEXT");
            }
            if (version < 5) {
                // the collection schema version an op was written in (docs/schema-versions.md), stamped when it is
                // queued and sent with it. Ops of an older store: NULL, sent without one as that SDK sent them (the
                // server takes them as its current version)
                s.execute("ALTER TABLE ops ADD COLUMN schema_version INTEGER");
            }
            s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
        }
        db.commit();
    }

    /** The store as schema version 1 made it. */
    private static void createVersion1(Statement s) throws SQLException {
        s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        s.execute("""
                CREATE TABLE records (
                  collection     TEXT NOT NULL,
                  id             TEXT NOT NULL,
                  server_version INTEGER NOT NULL DEFAULT 0,
                  server_deleted INTEGER NOT NULL DEFAULT 0,
                  server_data    TEXT,
                  local          INTEGER NOT NULL DEFAULT 0,
                  local_data     TEXT,
                  local_deleted  INTEGER NOT NULL DEFAULT 0,
                  PRIMARY KEY (collection, id)) WITHOUT ROWID""");
        s.execute("""
                CREATE TABLE ops (
                  op_id        INTEGER PRIMARY KEY,
                  type         TEXT NOT NULL,
                  collection   TEXT NOT NULL,
                  record_id    TEXT NOT NULL,
                  temp         INTEGER NOT NULL DEFAULT 0,
                  base_version INTEGER NOT NULL DEFAULT 0,
                  data         TEXT,
                  client_ts    TEXT NOT NULL,
                  state        TEXT NOT NULL,
                  error        TEXT,
                  conflict     TEXT)""");
        s.execute("CREATE INDEX ops_record ON ops (collection, record_id)");
        s.execute("CREATE INDEX ops_state ON ops (state, op_id)");
        s.execute("CREATE INDEX records_local ON records (local) WHERE local = 1");
    }

    private String initDeviceId() throws SQLException {
        String existing = meta("device_id");
        if (existing != null) {
            return existing;
        }
        String id = "d-" + UUID.randomUUID();
        setMeta("device_id", id);
        setMeta("next_op_id", "1");
        return id;
    }

    public String deviceId() {
        return deviceId;
    }

    /**
     * The device was revoked (contract v1.2, 403 {@code device_revoked}): drops every record and queued op of this
     * store, its cursors and watermarks, and takes a new deviceId (the old one is refused for good). Settings stay.
     */
    public String wipe() {
        return inTx(() -> {
            update("DELETE FROM records");
            update("DELETE FROM ops");
            update("DELETE FROM meta WHERE key NOT IN ('auto_sync_enabled', 'auto_sync_interval_seconds')");
            deviceId = initDeviceId();
            return deviceId;
        });
    }

    // ---------------------------------------------------------------------------------------------- meta

    /** A setting or sync position, {@code null} when never set. */
    public String getMeta(String key) {
        return inTx(() -> meta(key));
    }

    public void putMeta(String key, String value) {
        inTx(() -> {
            setMeta(key, value);
            return null;
        });
    }

    private String meta(String key) throws SQLException {
        PreparedStatement ps = cached("SELECT value FROM meta WHERE key = ?");
        ps.setString(1, key);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private void setMeta(String key, String value) throws SQLException {
        if (value == null) {
            update("DELETE FROM meta WHERE key = ?", key);
        } else {
            update("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    key, value);
        }
    }

    private long nextOpId() throws SQLException {
        long next = Long.parseLong(meta("next_op_id"));
        setMeta("next_op_id", Long.toString(next + 1));
        return next;
    }

    // ---------------------------------------------------------------------------------------------- local writes

    /** Creates a record locally and queues the create; {@code temp}: the id is temporary (server-assigned ids). */
    public LocalRecord create(String collection, String id, boolean temp, ObjectNode data, Instant at) {
        return inTx(() -> {
            Optional<LocalRecord> existing = view(collection, id);
            if (existing.isPresent()) {
                throw new IllegalStateException("record " + collection + "/" + id + " exists already");
            }
            writeCheck.check(OpType.CREATE, collection, id, data, data);
            update("INSERT INTO ops (op_id, type, collection, record_id, temp, base_version, data, client_ts, "
                            + "state, group_id, schema_version) "
                            + "VALUES (?, 'CREATE', ?, ?, ?, 0, ?, ?, 'PENDING', ?, ?)",
                    nextOpId(), collection, id, temp ? 1 : 0, write(data), at.toString(), group, versionOf(collection));
            refreshView(collection, id);
            return view(collection, id).orElseThrow();
        });
    }

    /** Applies a merge patch locally and queues it with the version the device last saw. */
    public LocalRecord update(String collection, String id, ObjectNode patch, Instant at) {
        return inTx(() -> {
            LocalRecord before = view(collection, id).orElseThrow(() -> noSuchRecord(collection, id));
            // the view with the patch on top is what the server validates: its state with this device's ops applied
            writeCheck.check(OpType.UPDATE, collection, id, MergePatch.apply(before.data(), patch), patch);
            QueueTail tail = queueTail(collection, id);
            boolean folded = false;
            if (foldable(tail) && tail.sameVersion(versionOf(collection))) {
                if (tail.type == OpType.CREATE) {
                    updateOpData(tail.opId, MergePatch.apply(tail.data, patch), at);
                    folded = true;
                } else if (tail.type == OpType.UPDATE) {
                    ObjectNode composed = MergePatch.compose(tail.data, patch);
                    if (composed != null) {
                        updateOpData(tail.opId, composed, at);
                        folded = true;
                    }
                }
            }
            if (!folded) {
                refuseSecondOpInGroup(tail, collection, id);
                update("INSERT INTO ops (op_id, type, collection, record_id, temp, base_version, data, client_ts, "
                            + "state, group_id, schema_version) "
                                + "VALUES (?, 'UPDATE', ?, ?, 0, ?, ?, ?, 'PENDING', ?, ?)",
                        nextOpId(), collection, id, baseVersion(collection, id), write(patch), at.toString(), group,
                        versionOf(collection));
            }
            refreshView(collection, id);
            return view(collection, id).orElseThrow();
        });
    }

    /**
     * Adds counter deltas locally and queues an {@code increment} (folded into the record's newest op when that is
     * an unsent increment or create). No base version: increments never conflict.
     */
    public LocalRecord increment(String collection, String id, ObjectNode deltas, Instant at) {
        return inTx(() -> {
            LocalRecord now = view(collection, id).orElseThrow(() -> noSuchRecord(collection, id));
            // a field holding a non-number: refused here, not by the server
            writeCheck.check(OpType.INCREMENT, collection, id, Counters.addAll(now.data(), deltas, true), deltas);
            QueueTail tail = queueTail(collection, id);
            if (foldable(tail) && tail.sameVersion(versionOf(collection))
                    && (tail.type == OpType.INCREMENT || tail.type == OpType.CREATE)) {
                updateOpData(tail.opId, Counters.addAll(tail.data, deltas, true), at);
            } else {
                refuseSecondOpInGroup(tail, collection, id);
                update("INSERT INTO ops (op_id, type, collection, record_id, temp, base_version, data, client_ts, "
                            + "state, group_id, schema_version) "
                                + "VALUES (?, 'INCREMENT', ?, ?, 0, 0, ?, ?, 'PENDING', ?, ?)",
                        nextOpId(), collection, id, write(deltas), at.toString(), group, versionOf(collection));
            }
            refreshView(collection, id);
            return view(collection, id).orElseThrow();
        });
    }

    /** Deletes a record locally and queues the delete (a create that never left the device is simply dropped). */
    public void delete(String collection, String id, Instant at) {
        inTx(() -> {
            view(collection, id).orElseThrow(() -> noSuchRecord(collection, id));
            writeCheck.check(OpType.DELETE, collection, id, null, null);
            QueueTail tail = queueTail(collection, id);
            if (foldable(tail) && tail.type == OpType.CREATE && serverVersion(collection, id) == 0) {
                update("DELETE FROM ops WHERE op_id = ?", tail.opId);
            } else if (foldable(tail) && tail.type == OpType.UPDATE) {
                // the patch goes: the delete is this app's write, in its version
                update("UPDATE ops SET type = 'DELETE', data = NULL, client_ts = ?, schema_version = ? WHERE op_id = ?",
                        at.toString(), versionOf(collection), tail.opId);
            } else {
                refuseSecondOpInGroup(tail, collection, id);
                update("INSERT INTO ops (op_id, type, collection, record_id, temp, base_version, data, client_ts, "
                            + "state, group_id, schema_version) "
                                + "VALUES (?, 'DELETE', ?, ?, 0, ?, NULL, ?, 'PENDING', ?, ?)",
                        nextOpId(), collection, id, baseVersion(collection, id), at.toString(), group,
                        versionOf(collection));
            }
            refreshView(collection, id);
            return null;
        });
    }

    private static IllegalStateException noSuchRecord(String collection, String id) {
        return new IllegalStateException("no record " + collection + "/" + id + " in the local store");
    }

    /** The newest op of a record; {@code sent}: it went out in a push at least once. */
    private record QueueTail(long opId, OpType type, OpState state, ObjectNode data, boolean sent, String group,
                             Integer schemaVersion) {

        /** Waiting and never sent: it may still be changed in place (folded into, turned into a delete, dropped). */
        boolean unsent() {
            return state == OpState.PENDING && !sent;
        }

        /**
         * Written in the schema version a new write of its collection has: only then may that write's data be folded
         * into it (an op queued before an app update keeps its own shape).
         */
        boolean sameVersion(Integer version) {
            return java.util.Objects.equals(schemaVersion, version);
        }
    }

    /**
     * Whether the write being made may change {@code tail} in place: unsent, and of the same op group (a group's
     * ops are never merged with ops outside it). Inside a transaction a write of a record whose op in this group
     * cannot take it is refused: a group changes a record once.
     */
    private boolean foldable(QueueTail tail) {
        return tail != null && tail.unsent() && java.util.Objects.equals(tail.group, group);
    }

    private void refuseSecondOpInGroup(QueueTail tail, String collection, String id) {
        if (group != null && tail != null && group.equals(tail.group)) {
            throw new IllegalStateException("a transaction changes a record once: " + collection + "/" + id
                    + " already has a change in it that this one cannot be combined with");
        }
    }

    private QueueTail queueTail(String collection, String id) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT op_id, type, state, data, sent, group_id, "
                + "schema_version FROM ops WHERE collection = ? AND record_id = ? ORDER BY op_id DESC LIMIT 1")) {
            ps.setString(1, collection);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new QueueTail(rs.getLong(1), OpType.valueOf(rs.getString(2)),
                        OpState.valueOf(rs.getString(3)), readObject(rs.getString(4)), rs.getInt(5) == 1,
                        rs.getString(6), intOrNull(rs, 7)) : null;
            }
        }
    }

    private void updateOpData(long opId, ObjectNode data, Instant at) throws SQLException {
        update("UPDATE ops SET data = ?, client_ts = ? WHERE op_id = ?", write(data), at.toString(), opId);
    }

    /** The version a new op is based on: the server version the view builds on. */
    private long baseVersion(String collection, String id) throws SQLException {
        return serverVersion(collection, id);
    }

    private long serverVersion(String collection, String id) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT server_version FROM records WHERE collection = ? AND id = ?")) {
            ps.setString(1, collection);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- reads

    private static final String VIEW_COLUMNS = "collection, id, "
            + "CASE WHEN local = 1 THEN local_data ELSE server_data END, server_version, "
            + "EXISTS (SELECT 1 FROM ops o WHERE o.collection = r.collection AND o.record_id = r.id "
            + "AND o.state IN ('PENDING', 'SYNCING'))";
    private static final String VISIBLE = "(CASE WHEN local = 1 THEN local_deleted ELSE server_deleted END) = 0";

    public Optional<LocalRecord> get(String collection, String id) {
        return inTx(() -> view(collection, id));
    }

    private Optional<LocalRecord> view(String collection, String id) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT " + VIEW_COLUMNS + " FROM records r "
                + "WHERE collection = ? AND id = ? AND " + VISIBLE)) {
            ps.setString(1, collection);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
        }
    }

    /** Live records of a collection matching the filter, by id. */
    public List<LocalRecord> list(String collection, Filter filter) {
        return inTx(() -> {
            StringBuilder sql = new StringBuilder("SELECT " + VIEW_COLUMNS + " FROM records r WHERE collection = ? AND "
                    + VISIBLE);
            for (Filter.Condition c : filter.conditions()) {
                String path = "json_extract(CASE WHEN local = 1 THEN local_data ELSE server_data END, '$.\""
                        + c.field() + "\"')";
                sql.append(" AND ").append(path).append(c.value() == null ? " IS NULL" : " = ?");
            }
            sql.append(" ORDER BY id");
            try (PreparedStatement ps = db.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, collection);
                for (Filter.Condition c : filter.conditions()) {
                    Object v = c.value();
                    if (v instanceof Boolean b) {
                        ps.setInt(i++, b ? 1 : 0);
                    } else if (v instanceof Integer || v instanceof Long || v instanceof Short) {
                        ps.setLong(i++, ((Number) v).longValue());
                    } else if (v instanceof Number n) {
                        ps.setDouble(i++, n.doubleValue());
                    } else if (v != null) {
                        ps.setString(i++, (String) v);
                    }
                }
                List<LocalRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(record(rs));
                    }
                }
                return out;
            }
        });
    }

    private LocalRecord record(ResultSet rs) throws SQLException {
        return new LocalRecord(rs.getString(1), rs.getString(2), readObject(rs.getString(3)), rs.getLong(4),
                rs.getInt(5) == 1);
    }

    // ---------------------------------------------------------------------------------------------- queue

    /** Counts by state. */
    public Map<OpState, Integer> counts() {
        return inTx(() -> {
            Map<OpState, Integer> counts = new java.util.EnumMap<>(OpState.class);
            for (OpState s : OpState.values()) {
                counts.put(s, 0);
            }
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT state, count(*) FROM ops GROUP BY state")) {
                while (rs.next()) {
                    counts.put(OpState.valueOf(rs.getString(1)), rs.getInt(2));
                }
            }
            return counts;
        });
    }

    public List<QueuedOperation> ops(Set<OpState> states) {
        return inTx(() -> {
            List<QueuedOperation> out = new ArrayList<>();
            try (PreparedStatement ps = db.prepareStatement("SELECT op_id, type, collection, record_id, temp, "
                    + "base_version, data, client_ts, state, error, conflict, group_id, schema_version FROM ops "
                    + "ORDER BY op_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    OpState state = OpState.valueOf(rs.getString(9));
                    if (!states.contains(state)) {
                        continue;
                    }
                    out.add(new QueuedOperation(rs.getLong(1), OpType.valueOf(rs.getString(2)), rs.getString(3),
                            rs.getString(4), rs.getInt(5) == 1, rs.getLong(6), readObject(rs.getString(7)),
                            Instant.parse(rs.getString(8)), state,
                            Optional.ofNullable(rs.getString(10)).map(this::readError),
                            Optional.ofNullable(rs.getString(11)).map(this::readConflict),
                            Optional.ofNullable(rs.getString(12)), Optional.ofNullable(intOrNull(rs, 13))));
                }
            }
            return out;
        });
    }

    /**
     * The next PENDING ops in opId order (at most {@code limit}, opId ≤ {@code maxOpId}), marked SYNCING. The batch
     * ends before a second op of the same record: the later op's baseVersion is known only once the earlier one
     * is answered.
     */
    public List<Op> takeBatch(int limit, long maxOpId) {
        return takeBatch(limit, maxOpId, Set.of());
    }

    /**
     * {@link #takeBatch(int, long)} while the ops of another push are on their way: the batch also ends before the
     * first op of a record in {@code inFlight} ({@link #key}s), whose baseVersion comes from that push's answer.
     */
    public List<Op> takeBatch(int limit, long maxOpId, Set<String> inFlight) {
        return inTx(() -> {
            List<Op> batch = new ArrayList<>();
            Set<String> keys = new java.util.HashSet<>(inFlight);
            // an op group goes whole into one push: read on by at most the largest group (a transaction's limit).
            // Rows are read as the batch needs them, and an op's data is parsed once it is in the batch.
            PreparedStatement ps = cached("SELECT op_id, type, collection, record_id, temp, base_version, data, "
                    + "client_ts, group_id, schema_version FROM ops WHERE state = 'PENDING' AND op_id <= ? "
                    + "ORDER BY op_id LIMIT ?");
            ps.setLong(1, maxOpId);
            ps.setInt(2, limit + MAX_GROUP);
            // the next unit: one ungrouped op, or all of a group's pending ops (contiguous by opId)
            List<Op> unit = new ArrayList<>();
            List<String> unitData = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (true) {
                    Op op = null;
                    String data = null;
                    if (rs.next()) {
                        op = new Op(rs.getLong(1), OpType.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4),
                                rs.getInt(5) == 1, rs.getLong(6), null, rs.getString(8), rs.getString(9),
                                intOrNull(rs, 10));
                        data = rs.getString(7);
                    }
                    boolean unitEnds = op == null || unit.isEmpty() || unit.get(0).group() == null
                            || !unit.get(0).group().equals(op.group());
                    if (!unit.isEmpty() && unitEnds) {
                        boolean clash = unit.stream().anyMatch(u -> keys.contains(key(u.collection(), u.id())));
                        if (clash || !batch.isEmpty() && batch.size() + unit.size() > limit) {
                            break;
                        }
                        for (int j = 0; j < unit.size(); j++) {
                            Op u = unit.get(j);
                            keys.add(key(u.collection(), u.id()));
                            batch.add(new Op(u.opId(), u.type(), u.collection(), u.id(), u.temp(), u.baseVersion(),
                                    readObject(unitData.get(j)), u.clientTimestamp(), u.group(), u.schemaVersion()));
                        }
                        unit.clear();
                        unitData.clear();
                        if (batch.size() >= limit) break;
                    }
                    if (op == null) break;
                    unit.add(op);
                    unitData.add(data);
                }
            }
            PreparedStatement syncing = cached("UPDATE ops SET state = 'SYNCING', sent = 1 WHERE op_id = ?");
            for (Op op : batch) {
                syncing.setLong(1, op.opId());
                syncing.addBatch();
            }
            syncing.executeBatch();
            return batch;
        });
    }

    /** A record's key in {@link #takeBatch(int, long, Set)}'s {@code inFlight}. */
    public static String key(String collection, String id) {
        return collection + "\u0000" + id;
    }

    /** A push that got no answer: its ops go back to PENDING, to be sent again. */
    public void releaseBatch(List<Op> batch) {
        inTx(() -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "UPDATE ops SET state = 'PENDING' WHERE op_id = ? AND state = 'SYNCING'")) {
                for (Op op : batch) {
                    ps.setLong(1, op.opId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** What a push's answers did to the store. */
    public record PushOutcome(int applied, int merged, int conflicts, int rejected, List<Conflict> newConflicts,
                              Touched touched) {
    }

    /**
     * Stores the answers of one push in one transaction: op states, the server's state of each record, temporary ids
     * replaced everywhere, baseVersions of later ops of the same record moved to the answered version, views.
     * Ops of the batch without an answer go back to PENDING.
     */
    public PushOutcome applyPushResults(List<Op> batch, JsonNode results, Map<String, Map<String, String>> references) {
        return inTx(() -> {
            long confirmed = confirmedOpId();
            Map<Long, Op> byId = new LinkedHashMap<>();
            batch.forEach(op -> byId.put(op.opId(), op));
            int applied = 0, merged = 0, conflicts = 0, rejected = 0;
            List<Conflict> newConflicts = new ArrayList<>();
            Touched touched = Touched.of();
            for (JsonNode result : results) {
                Op op = byId.remove(result.path("opId").asLong());
                if (op == null) {
                    continue;
                }
                String collection = op.collection();
                String id = op.id();
                String status = result.path("status").asText();
                if (op.temp() && result.hasNonNull("id") && !result.path("id").asText().equals(id)) {
                    String realId = result.path("id").asText();
                    remapTempId(collection, id, realId, references, touched);
                    id = realId;
                }
                long version = result.path("version").asLong(0);
                switch (status) {
                    case "applied", "merged" -> {
                        if ("applied".equals(status)) {
                            applied++;
                        } else {
                            merged++;
                        }
                        ObjectNode serverData = result.hasNonNull("data") && result.get("data").isObject()
                                ? (ObjectNode) result.get("data") : null;
                        if (serverData == null && op.type() != OpType.DELETE) {
                            ObjectNode before = serverData(collection, id);
                            serverData = op.type() == OpType.CREATE ? op.data()
                                    : op.type() == OpType.INCREMENT
                                    ? Counters.addAll(before == null ? json.createObjectNode() : before, op.data(), false)
                                    : MergePatch.apply(before, op.data());
                        }
                        boolean deleted = op.type() == OpType.DELETE;
                        // SYNCED, and the version it produced: server state at or past it holds its effect
                        // (refreshView)
                        update("UPDATE ops SET state = 'SYNCED', base_version = ? WHERE op_id = ?", version,
                                op.opId());
                        if (version > 0 && op.opId() > confirmed
                                && !replayedOnTop(collection, id, op.opId(), confirmed, version)
                                && setServerStateAndView(collection, id, version, deleted, serverData)) {
                            // the common case: nothing of the record to replay on top of the answered state, so
                            // its view is that state (what refreshView would derive from it, without reading it)
                            touched.add(collection, id);
                            continue;
                        }
                        setServerState(collection, id, version, deleted, serverData);
                        update("UPDATE ops SET base_version = ? WHERE collection = ? AND record_id = ? AND op_id > ? "
                                + "AND state = 'PENDING'", version, collection, id, op.opId());
                    }
                    case "conflict" -> {
                        conflicts++;
                        JsonNode c = result.path("conflict");
                        boolean deleted = result.path("deleted").asBoolean(false) || !result.path("data").isObject();
                        ObjectNode serverData = deleted ? null : (ObjectNode) result.get("data");
                        List<String> fields = new ArrayList<>();
                        c.path("fields").forEach(f -> fields.add(f.asText()));
                        Conflict conflict = new Conflict(op.opId(), op.type(), collection, id, op.baseVersion(),
                                serverData, version, deleted, op.data(), fields,
                                Optional.ofNullable(c.path("strategy").textValue()),
                                Optional.ofNullable(c.path("conflictId").textValue()),
                                Optional.ofNullable(c.path("reason").textValue()));
                        update("UPDATE ops SET state = 'CONFLICT', conflict = ? WHERE op_id = ?",
                                writeConflict(conflict), op.opId());
                        if (version > 0) {
                            setServerState(collection, id, version, deleted, serverData);
                        }
                        newConflicts.add(conflict);
                    }
                    case "rejected" -> {
                        rejected++;
                        JsonNode e = result.path("error");
                        List<OperationError.FieldError> fields = new ArrayList<>();
                        e.path("fields").forEach(f -> fields.add(f.isTextual()
                                ? new OperationError.FieldError(f.asText(), "")
                                : new OperationError.FieldError(f.path("field").asText(), f.path("message").asText())));
                        OperationError error = new OperationError(e.path("code").asText("invalid_operation"),
                                e.path("message").asText(""), fields);
                        update("UPDATE ops SET state = 'FAILED', error = ? WHERE op_id = ?", write(error), op.opId());
                    }
                    default -> {
                        byId.put(op.opId(), op); // not an answer this SDK knows: send it again later
                        continue;
                    }
                }
                refreshView(collection, id, confirmed);
                touched.add(collection, id);
            }
            for (Op unanswered : byId.values()) {
                update("UPDATE ops SET state = 'PENDING' WHERE op_id = ? AND state = 'SYNCING'", unanswered.opId());
            }
            return new PushOutcome(applied, merged, conflicts, rejected, newConflicts, touched);
        });
    }

    private ObjectNode serverData(String collection, String id) throws SQLException {
        PreparedStatement ps = cached("SELECT server_data FROM records WHERE collection = ? AND id = ?");
        ps.setString(1, collection);
        ps.setString(2, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? readObject(rs.getString(1)) : null;
        }
    }

    /**
     * Whether the view of a record whose op {@code opId} was just answered with {@code version} has anything to replay
     * on top of that state (refreshView): another PENDING or SYNCING op, or a live SYNCED op that the state does not
     * hold (no version, or a later one).
     */
    private boolean replayedOnTop(String collection, String id, long opId, long confirmed, long version)
            throws SQLException {
        PreparedStatement ps = cached("SELECT 1 FROM ops WHERE collection = ? AND record_id = ? AND op_id <> ? "
                + "AND (state IN ('PENDING', 'SYNCING') OR (state = 'SYNCED' AND op_id > ? "
                + "AND (base_version <= 0 OR base_version > ?))) LIMIT 1");
        ps.setString(1, collection);
        ps.setString(2, id);
        ps.setLong(3, opId);
        ps.setLong(4, confirmed);
        ps.setLong(5, version);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /**
     * The server's state of a record and, as its view, the same state (a live op of it holds nothing more): one
     * statement. False when the store knows a newer version already; then nothing was written.
     */
    private boolean setServerStateAndView(String collection, String id, long version, boolean deleted,
                                          ObjectNode data) throws SQLException {
        String text = deleted ? null : write(data);
        return update("INSERT INTO records (collection, id, server_version, server_deleted, server_data, local, "
                        + "local_data, local_deleted) VALUES (?, ?, ?, ?, ?, 1, ?, ?) "
                        + "ON CONFLICT (collection, id) DO UPDATE SET server_version = excluded.server_version, "
                        + "server_deleted = excluded.server_deleted, server_data = excluded.server_data, local = 1, "
                        + "local_data = excluded.local_data, local_deleted = excluded.local_deleted "
                        + "WHERE excluded.server_version >= records.server_version",
                collection, id, version, deleted ? 1 : 0, text, text, deleted ? 1 : 0) == 1;
    }

    /** The server's state of a record, unless the store knows a newer version already. */
    private void setServerState(String collection, String id, long version, boolean deleted, ObjectNode data)
            throws SQLException {
        update("INSERT INTO records (collection, id, server_version, server_deleted, server_data) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT (collection, id) DO UPDATE SET server_version = excluded.server_version, "
                        + "server_deleted = excluded.server_deleted, server_data = excluded.server_data "
                        + "WHERE excluded.server_version >= records.server_version",
                collection, id, version, deleted ? 1 : 0, deleted ? null : write(data));
    }

    /** Replaces a temporary id by the server's id: the record, its ops, and reference fields that hold it. */
    private void remapTempId(String collection, String tempId, String realId,
                             Map<String, Map<String, String>> references, Touched touched) throws SQLException {
        update("DELETE FROM records WHERE collection = ? AND id = ?", collection, realId); // nothing should be there
        update("UPDATE records SET id = ? WHERE collection = ? AND id = ?", realId, collection, tempId);
        update("UPDATE ops SET record_id = ?, temp = 0 WHERE collection = ? AND record_id = ?", realId, collection,
                tempId);
        for (Map.Entry<String, Map<String, String>> c : references.entrySet()) {
            for (Map.Entry<String, String> ref : c.getValue().entrySet()) {
                if (!ref.getValue().equals(collection)) {
                    continue;
                }
                String path = "'$.\"" + ref.getKey() + "\"'";
                for (String column : List.of("server_data", "local_data")) {
                    List<String> ids = new ArrayList<>();
                    try (PreparedStatement ps = db.prepareStatement("SELECT id FROM records WHERE collection = ? AND "
                            + "json_extract(" + column + ", " + path + ") = ?")) {
                        ps.setString(1, c.getKey());
                        ps.setString(2, tempId);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                ids.add(rs.getString(1));
                            }
                        }
                    }
                    update("UPDATE records SET " + column + " = json_set(" + column + ", " + path + ", ?) WHERE "
                            + "collection = ? AND json_extract(" + column + ", " + path + ") = ?", realId, c.getKey(),
                            tempId);
                    ids.forEach(id -> touched.add(c.getKey(), id));
                }
                update("UPDATE ops SET data = json_set(data, " + path + ", ?) WHERE collection = ? AND type <> 'DELETE' "
                        + "AND json_extract(data, " + path + ") = ?", realId, c.getKey(), tempId);
            }
        }
        touched.add(collection, realId);
        touched.replaced(collection, tempId, realId);
    }

    // ---------------------------------------------------------------------------------------------- pull

    /**
     * Applies one pull page and stores its cursor in the same transaction (a crash re-pulls the page; applying is
     * idempotent by version). {@code replace}: the first page of a snapshot (no cursor, or {@code reset: true}),
     * which replaces the server state the store holds for these collections; records with live local ops are kept.
     */
    public Touched applyPullPage(List<Change> changes, boolean replace, Collection<String> collections,
                                 String cursorKey, String cursor) {
        return inTx(() -> {
            Touched touched = Touched.of();
            if (replace) {
                // Records with live ops keep their server state: it may come from push answers that the snapshot
                // does not include yet, and their next op needs its baseVersion. The snapshot overwrites it where
                // it has the record; the server answers the ops where it does not.
                for (String c : collections) {
                    update("DELETE FROM records WHERE collection = ? AND local = 0", c);
                    touched.all(c);
                }
            }
            Set<String> localKeys = new java.util.HashSet<>();
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT collection, id FROM records WHERE local = 1")) {
                while (rs.next()) {
                    localKeys.add(rs.getString(1) + "\u0000" + rs.getString(2));
                }
            }
            try (PreparedStatement upsert = db.prepareStatement("INSERT INTO records (collection, id, server_version, "
                    + "server_deleted, server_data) VALUES (?, ?, ?, 0, ?) ON CONFLICT (collection, id) DO UPDATE SET "
                    + "server_version = excluded.server_version, server_deleted = 0, server_data = excluded.server_data "
                    + "WHERE excluded.server_version >= records.server_version");
                 PreparedStatement tombstone = db.prepareStatement("UPDATE records SET server_version = ?, "
                         + "server_deleted = 1, server_data = NULL WHERE collection = ? AND id = ? "
                         + "AND server_version <= ?");
                 PreparedStatement drop = db.prepareStatement("DELETE FROM records WHERE collection = ? AND id = ? "
                         + "AND local = 0 AND server_deleted = 1")) {
                for (Change change : changes) {
                    if (change.deleted()) {
                        tombstone.setLong(1, change.version());
                        tombstone.setString(2, change.collection());
                        tombstone.setString(3, change.id());
                        tombstone.setLong(4, change.version());
                        tombstone.addBatch();
                        drop.setString(1, change.collection());
                        drop.setString(2, change.id());
                        drop.addBatch();
                    } else {
                        upsert.setString(1, change.collection());
                        upsert.setString(2, change.id());
                        upsert.setLong(3, change.version());
                        upsert.setString(4, write(change.data()));
                        upsert.addBatch();
                    }
                    if (!replace) {
                        touched.add(change.collection(), change.id());
                    }
                }
                upsert.executeBatch();
                tombstone.executeBatch();
                drop.executeBatch();
            }
            for (Change change : changes) {
                if (localKeys.contains(change.collection() + "\u0000" + change.id())) {
                    refreshView(change.collection(), change.id());
                }
            }
            setMeta(cursorKey, cursor);
            return touched;
        });
    }

    /**
     * After a complete pull: SYNCED ops at or below {@code lastProcessedOpId} are part of the pulled state and leave
     * the queue; the views of their records are rebuilt without them.
     */
    public Touched confirm(long lastProcessedOpId) {
        return inTx(() -> {
            Touched touched = Touched.of();
            List<String[]> keys = new ArrayList<>();
            // and the records of increments the pull covers in any state (answer lost): their delta is in the state
            long before = Long.parseLong(Optional.ofNullable(meta("confirmed_op_id")).orElse("0"));
            try (PreparedStatement ps = db.prepareStatement("SELECT DISTINCT collection, record_id FROM ops "
                    + "WHERE op_id <= ? AND (state = 'SYNCED' OR type = 'INCREMENT' AND op_id > ?)")) {
                ps.setLong(1, lastProcessedOpId);
                ps.setLong(2, before);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
            }
            update("DELETE FROM ops WHERE state = 'SYNCED' AND op_id <= ?", lastProcessedOpId);
            setMeta("confirmed_op_id", Long.toString(lastProcessedOpId));
            for (String[] key : keys) {
                refreshView(key[0], key[1]);
                touched.add(key[0], key[1]);
            }
            return touched;
        });
    }

    // ---------------------------------------------------------------------------------------------- op lists

    /** Removes a CONFLICT or FAILED op; its record shows the server's state (it already does). */
    public Optional<QueuedOperation> discard(long opId) {
        return inTx(() -> {
            Optional<QueuedOperation> op = finalOp(opId);
            op.ifPresent(o -> run(() -> {
                // an op of a group goes with its group's other final ops: the group failed as one unit
                List<QueuedOperation> unit = o.group().isEmpty() ? List.of(o)
                        : ops(EnumSet.of(OpState.FAILED, OpState.CONFLICT)).stream()
                        .filter(x -> x.group().equals(o.group())).toList();
                for (QueuedOperation x : unit) {
                    update("DELETE FROM ops WHERE op_id = ?", x.opId());
                    refreshView(x.collection(), x.id());
                }
            }));
            return op;
        });
    }

    /** The open conflict op with this server conflict id. */
    public Optional<QueuedOperation> conflictOp(String conflictId) {
        return ops(Set.of(OpState.CONFLICT)).stream()
                .filter(o -> o.conflict().flatMap(Conflict::conflictId).filter(conflictId::equals).isPresent())
                .findFirst();
    }

    /**
     * Queues a CONFLICT or FAILED op again as a new op (new opId) on the version the store now holds; {@code data}
     * replaces its data (an edited create or patch), {@code null} keeps it. A create of a record the server has
     * becomes an update; an update of a record the server deleted becomes a create. The old op leaves the lists.
     */
    public Optional<Long> requeue(long opId, ObjectNode data, Instant at) {
        return inTx(() -> {
            Optional<QueuedOperation> found = finalOp(opId);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            QueuedOperation op = found.get();
            ObjectNode payload = data != null ? data : op.data();
            long base = serverVersion(op.collection(), op.id());
            boolean onServer = base > 0 && !serverDeleted(op.collection(), op.id());
            OpType type = op.type();
            if (type == OpType.CREATE && onServer) {
                type = OpType.UPDATE;
            } else if (type == OpType.UPDATE && !onServer) {
                type = OpType.CREATE;
                payload = MergePatch.apply(null, payload);
            } else if (type == OpType.DELETE && !onServer) {
                update("DELETE FROM ops WHERE op_id = ?", opId);
                refreshView(op.collection(), op.id());
                return Optional.of(opId);
            }
            if (data != null && type != OpType.DELETE) {
                // an edited op is a new write: checked like one (an unedited one was checked when it was made)
                ObjectNode now = view(op.collection(), op.id()).map(LocalRecord::data).orElse(null);
                ObjectNode result = type == OpType.CREATE ? payload : type == OpType.INCREMENT
                        ? Counters.addAll(now == null ? json.createObjectNode() : now, payload, false)
                        : MergePatch.apply(now, payload);
                writeCheck.check(type, op.collection(), op.id(), result, payload);
            }
            long newOpId = nextOpId();
            // its own data keeps the version it was written in; edited data is this app's write, in its version
            Integer version = data != null ? versionOf(op.collection()) : op.schemaVersion().orElse(null);
            update("DELETE FROM ops WHERE op_id = ?", opId);
            update("INSERT INTO ops (op_id, type, collection, record_id, temp, base_version, data, client_ts, state, "
                            + "schema_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?)", newOpId, type.name(),
                    op.collection(), op.id(), op.temporaryId() ? 1 : 0, type == OpType.CREATE ? 0 : base,
                    type == OpType.DELETE ? null : write(payload), at.toString(), version);
            refreshView(op.collection(), op.id());
            return Optional.of(newOpId);
        });
    }

    private boolean serverDeleted(String collection, String id) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT server_deleted FROM records WHERE collection = ? AND id = ?")) {
            ps.setString(1, collection);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next() || rs.getInt(1) == 1;
            }
        }
    }

    private Optional<QueuedOperation> finalOp(long opId) {
        return ops(Set.of(OpState.CONFLICT, OpState.FAILED)).stream().filter(o -> o.opId() == opId).findFirst();
    }

    // ---------------------------------------------------------------------------------------------- views

    /**
     * Rebuilds a record's view: server state with its live ops applied. A record with neither server state nor
     * live ops is removed.
     */
    private void refreshView(String collection, String id) throws SQLException {
        refreshView(collection, id, confirmedOpId());
    }

    /**
     * Rebuilds every record's view from its server state and live ops, as the single-record writes do; for tests, to
     * check that a view a write derived without reading it back is the one the rebuild makes.
     */
    void refreshAllViews() {
        inTx(() -> {
            List<String[]> keys = new ArrayList<>();
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT collection, id FROM records UNION "
                         + "SELECT collection, record_id FROM ops")) {
                while (rs.next()) {
                    keys.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            long confirmed = confirmedOpId();
            for (String[] key : keys) {
                refreshView(key[0], key[1], confirmed);
            }
            return null;
        });
    }

    /** The last {@code lastProcessedOpId} a completed pull confirmed (0: none yet). */
    private long confirmedOpId() throws SQLException {
        return Long.parseLong(Optional.ofNullable(meta("confirmed_op_id")).orElse("0"));
    }

    /** {@link #refreshView(String, String)} with the confirmed opId the caller read in this transaction. */
    private void refreshView(String collection, String id, long confirmed) throws SQLException {
        List<Op> live = new ArrayList<>();
        {
            PreparedStatement ps = cached("SELECT op_id, type, data, state, base_version FROM ops WHERE collection = ? "
                    + "AND record_id = ? AND (state IN ('PENDING', 'SYNCING') OR (state = 'SYNCED' AND op_id > ?)) "
                    + "ORDER BY op_id");
            ps.setString(1, collection);
            ps.setString(2, id);
            ps.setLong(3, confirmed);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // SYNCED: base_version holds the version the op produced (applyPushResults)
                    live.add(new Op(rs.getLong(1), OpType.valueOf(rs.getString(2)), collection, id, false,
                            "SYNCED".equals(rs.getString(4)) ? rs.getLong(5) : 0, readObject(rs.getString(3)), null));
                }
            }
        }
        long serverVersion = 0;
        boolean serverDeleted = false;
        ObjectNode serverData = null;
        {
            PreparedStatement ps = cached("SELECT server_version, server_deleted, server_data "
                    + "FROM records WHERE collection = ? AND id = ?");
            ps.setString(1, collection);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    serverVersion = rs.getLong(1);
                    serverDeleted = rs.getInt(2) == 1;
                    serverData = readObject(rs.getString(3));
                }
            }
        }
        if (live.isEmpty()) {
            if (serverVersion == 0 || serverDeleted) {
                update("DELETE FROM records WHERE collection = ? AND id = ?", collection, id);
            } else {
                update("UPDATE records SET local = 0, local_data = NULL, local_deleted = 0 WHERE collection = ? "
                        + "AND id = ?", collection, id);
            }
            return;
        }
        ObjectNode view = serverDeleted ? null : serverData;
        boolean deleted = serverVersion > 0 && serverDeleted;
        for (Op op : live) {
            if (op.baseVersion() > 0 && op.baseVersion() <= serverVersion) {
                // answered applied and the server state has reached the version it produced: its effect is in it
                // (replaying a create there would hide a later increment's answer; an increment would count twice)
                continue;
            }
            switch (op.type()) {
                case CREATE -> {
                    view = op.data().deepCopy();
                    deleted = false;
                }
                case UPDATE -> view = MergePatch.apply(view, op.data());
                case INCREMENT -> {
                    // not when a pull covered its opId: the server state holds it even if its answer was lost
                    if (op.opId() > confirmed && view != null) view = Counters.addAll(view, op.data(), false);
                }
                case DELETE -> {
                    view = null;
                    deleted = true;
                }
            }
        }
        update("INSERT INTO records (collection, id, local, local_data, local_deleted) VALUES (?, ?, 1, ?, ?) "
                        + "ON CONFLICT (collection, id) DO UPDATE SET local = 1, local_data = excluded.local_data, "
                        + "local_deleted = excluded.local_deleted",
                collection, id, view == null ? null : write(view), deleted ? 1 : 0);
    }

    // ---------------------------------------------------------------------------------------------- plumbing

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    @FunctionalInterface
    private interface VoidWork {
        void run() throws SQLException;
    }

    private void run(VoidWork work) {
        try {
            work.run();
        } catch (SQLException e) {
            throw new StoreException("local store", e);
        }
    }

    private <T> T inTx(Work<T> work) {
        lock.lock();
        try {
            if (lock.getHoldCount() > 1) {
                // inside transaction(): its commit or rollback covers this work
                try {
                    return work.run();
                } catch (SQLException e) {
                    throw new StoreException("local store", e);
                }
            }
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException e) {
                rollback(e);
                throw new StoreException("local store", e);
            } catch (RuntimeException | Error e) {
                rollback(e);
                throw e;
            }
        } finally {
            lock.unlock();
        }
    }

    private void rollback(Throwable cause) {
        try {
            db.rollback();
        } catch (SQLException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    private int update(String sql, Object... args) throws SQLException {
        PreparedStatement ps = cached(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps.executeUpdate();
    }

    /** A prepared statement kept for the store's life (the per-op statements of a push or pull run thousands of times). */
    private PreparedStatement cached(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = db.prepareStatement(sql);
            statements.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    private static Integer intOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : Math.toIntExact(value);
    }

    private String write(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode readObject(String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(text);
            return node.isObject() ? (ObjectNode) node : null;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private OperationError readError(String text) {
        try {
            return json.readValue(text, OperationError.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String writeConflict(Conflict c) {
        ObjectNode node = json.createObjectNode();
        node.put("opId", c.opId()).put("type", c.type().name()).put("collection", c.collection()).put("id", c.id())
                .put("baseVersion", c.baseVersion()).put("serverVersion", c.serverVersion())
                .put("serverDeleted", c.serverDeleted());
        node.set("serverData", c.serverData());
        node.set("localAttempt", c.localAttempt());
        node.set("fields", json.valueToTree(c.fields()));
        c.strategy().ifPresent(s -> node.put("strategy", s));
        c.conflictId().ifPresent(s -> node.put("conflictId", s));
        c.reason().ifPresent(s -> node.put("reason", s));
        return write(node);
    }

    private Conflict readConflict(String text) {
        ObjectNode n = readObject(text);
        List<String> fields = new ArrayList<>();
        n.path("fields").forEach(f -> fields.add(f.asText()));
        return new Conflict(n.path("opId").asLong(), OpType.valueOf(n.path("type").asText()),
                n.path("collection").asText(), n.path("id").asText(), n.path("baseVersion").asLong(),
                n.get("serverData") instanceof ObjectNode o ? o : null, n.path("serverVersion").asLong(),
                n.path("serverDeleted").asBoolean(), n.get("localAttempt") instanceof ObjectNode o ? o : null,
                fields, Optional.ofNullable(n.path("strategy").textValue()),
                Optional.ofNullable(n.path("conflictId").textValue()), Optional.ofNullable(n.path("reason").textValue()));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            for (PreparedStatement ps : statements.values()) {
                ps.close();
            }
            statements.clear();
            db.close();
        } catch (SQLException e) {
            throw new StoreException("closing the local store", e);
        } finally {
            lock.unlock();
        }
    }

    /** The store could not be read or written (disk full, file corrupt, …). */
    public static final class StoreException extends RuntimeException {
        StoreException(String message, SQLException cause) {
            super(message + ": " + cause.getMessage(), cause);
        }
    }
}
