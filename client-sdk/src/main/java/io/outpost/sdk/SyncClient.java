package io.outpost.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.outpost.sdk.internal.Backoff;
import io.outpost.sdk.internal.Events;
import io.outpost.sdk.internal.HttpTransport;
import io.outpost.sdk.internal.LocalStore;
import io.outpost.sdk.internal.PasswordLogin;
import io.outpost.sdk.internal.ServerRules;
import io.outpost.sdk.internal.SyncEngine;
import io.outpost.sdk.internal.SyncRunner;
import io.outpost.sdk.internal.TransportException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.random.RandomGenerator;

/**
 * An offline-first client of one Outpost server for one user on one install: a local SQLite store (records and the
 * queue of this user's changes), a device id of its own, and the syncing (push, pull, conflicts, auto-sync, live
 * updates). Immutable once built; {@link #close()} it when done.
 *
 * <pre>{@code
 * SyncClient client = SyncClient.builder()
 *     .baseUri(URI.create("https://sync.example.org/api/v1"))
 *     .credentials("nurse1", password)              // or .tokenProvider(refresh -> myAuth.token(refresh))
 *     .storeDirectory(Path.of("outpost-data"))     // one store file per user in it
 *     .collection("dispenses")
 *     .build();
 * client.records("dispenses").create(data);        // local at once; synced later
 * SyncResult r = client.syncNow();
 * }</pre>
 *
 * <p>Shared devices: build one client per signed-in user ({@link Builder#user(String)}; {@link #newBuilder()} copies
 * the settings): each user has their own store file and device id, so nobody sees or pushes another's queue, and
 * the server never refuses a user as "another user's device".
 *
 * <p>One store file is open in at most one client at a time.
 */
public final class SyncClient implements AutoCloseable {

    private static final Set<Path> OPEN_STORES = ConcurrentHashMap.newKeySet();

    private final Builder settings;
    private final String user;
    private final Path storeFile;
    private final Map<String, CollectionOptions> collections;
    private final ObjectMapper json = new ObjectMapper();
    private final LocalStore store;
    private final HttpTransport http;
    private final Events events;
    private final SyncRunner runner;
    private final Clock clock;

    private SyncClient(Builder b) {
        this.settings = b.copy();
        this.user = b.user != null ? b.user : b.username != null ? b.username : "default";
        this.collections = Map.copyOf(b.collections);
        this.clock = b.clock;
        try {
            Files.createDirectories(b.storeDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the store directory " + b.storeDirectory, e);
        }
        this.storeFile = b.storeDirectory.resolve(storeFileName(user)).toAbsolutePath().normalize();
        if (!OPEN_STORES.add(storeFile)) {
            throw new IllegalStateException("the store " + storeFile + " is open in another SyncClient; close it first");
        }
        try {
            this.store = openStore(storeFile, b.storeKey, json);
            store.schemaVersions(b.schemaVersions); // every op queued from now on is stamped with its version
            ServerRules rules = new ServerRules();
            rules.versioned(b.schemaVersions.keySet());
            loadStoredRules(rules);
            if (b.localChecks) {
                store.writeCheck(rules);
            }
            TokenProvider tokens = b.tokenProvider != null ? b.tokenProvider
                    : new PasswordLogin(b.baseUri, b.username, b.password, b.timeout, json);
            this.http = new HttpTransport(b.baseUri, tokens, b.timeout, json, clock);
            this.events = new Events(store.deviceId());
            Map<String, Map<String, String>> references = new TreeMap<>();
            collections.forEach((name, options) -> references.put(name, options.references()));
            List<String> names = new ArrayList<>(new TreeMap<>(collections).keySet());
            SyncEngine engine = new SyncEngine(store, http, json, names, references, b.conflictHandler, events, clock,
                    b.pushBatchSize, b.pullPageSize, b.hooks, rules, b.schemaVersions);
            // no deviceId (optional since v1.2): the device's id changes when a revoked device's store is wiped
            String streamQuery = "sync/stream?collections=" + encode(String.join(",", names));
            this.runner = new SyncRunner(store, engine, http, events, clock, new Backoff(b.backoffBase, b.backoffCap),
                    new SyncRunner.Triggers(b.syncOnStart, b.syncAfterWrite, b.syncOnReconnect, b.liveUpdates),
                    new SyncRunner.AutoSync(b.autoSyncEnabled, b.autoSyncInterval), streamQuery, b.random);
        } catch (RuntimeException e) {
            OPEN_STORES.remove(storeFile);
            throw e;
        }
        b.statusListeners.forEach(events::onStatus);
        b.dataListeners.forEach(l -> events.onData(null, l));
        runner.start();
    }

    /**
     * Opens the store, with its key when encrypted. A password's salt is in {@code <store>.salt}; one in
     * {@code <store>.salt.new} is from a rekey that was cut off after the store took the new key (then it is the
     * right one, and takes the place of the old).
     */
    private static LocalStore openStore(Path file, StoreKey key, ObjectMapper json) {
        if (key == null) {
            return LocalStore.open(file, json, null);
        }
        if (!key.isPassword()) {
            return LocalStore.open(file, json, key.hex(null));
        }
        Path salt = StoreKey.saltFile(file);
        Path pending = StoreKey.pendingSaltFile(file);
        boolean exists = Files.exists(file);
        if (!exists && !Files.exists(salt)) {
            StoreKey.writeNewSalt(salt); // a new store
        }
        if (Files.exists(salt)) {
            try {
                return LocalStore.open(file, json, key.hex(salt));
            } catch (WrongStoreKeyException e) {
                if (!Files.exists(pending)) throw e;
            }
        } else if (!Files.exists(pending)) {
            throw new WrongStoreKeyException(file, "the local store " + file + " has no salt file (" + salt
                    + "): it was not made with a password, or the salt file was lost; the file is left as it was",
                    null);
        }
        LocalStore store = LocalStore.open(file, json, key.hex(pending));
        try {
            Files.move(pending, salt, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            store.close();
            throw new UncheckedIOException("cannot finish the store's salt " + salt, e);
        }
        return store;
    }

    /**
     * Encrypts the store with a new key: a new key or password for an encrypted store, or a first one for a plain
     * store (then open it with {@link Builder#encryption} from now on). One SQLite transaction: a crash leaves the
     * store under the old key or the new one. Local writes and syncs wait while it runs.
     */
    public void rekey(StoreKey newKey) {
        Objects.requireNonNull(newKey, "newKey");
        Path salt = StoreKey.saltFile(storeFile);
        Path pending = StoreKey.pendingSaltFile(storeFile);
        if (!newKey.isPassword()) {
            store.rekey(newKey.hex(null));
            deleteQuietly(salt);
            return;
        }
        StoreKey.writeNewSalt(pending);
        store.rekey(newKey.hex(pending));
        try {
            Files.move(pending, salt, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the store has the new key; the next open finds its salt in the pending file
            throw new UncheckedIOException("the store has its new key, but its salt stays in " + pending, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.getLogger("io.outpost.sdk.store").log(System.Logger.Level.WARNING, "cannot delete " + file, e);
        }
    }

    /** The rules the last sync stored, so writes are checked offline too, also right after a restart. */
    private void loadStoredRules(ServerRules rules) {
        String stored = store.getMeta(ServerRules.META_KEY);
        if (stored == null) {
            return;
        }
        try {
            rules.load(json.readTree(stored));
        } catch (IOException | RuntimeException e) {
            System.getLogger("io.outpost.sdk.rules").log(System.Logger.Level.WARNING,
                    "the stored collections' rules could not be read; writes are left to the server until the next sync",
                    e);
        }
    }

    /** {@code outpost-<readable part>-<hash>.db}: stable per user, safe as a file name. */
    static String storeFileName(String user) {
        String readable = user.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_");
        readable = readable.substring(0, Math.min(readable.length(), 40));
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(user.getBytes(StandardCharsets.UTF_8));
            return "outpost-" + readable + "-" + HexFormat.of().formatHex(hash, 0, 6) + ".db";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder with this client's settings, e.g. for the next user of a shared device: {@code .user("bob")}. */
    public Builder newBuilder() {
        return settings.copy();
    }

    // ------------------------------------------------------------------------------------------------ data

    /** The records of a declared collection. */
    public Records records(String collection) {
        CollectionOptions options = collections.get(collection);
        if (options == null) {
            throw new IllegalArgumentException("collection " + collection + " is not declared; declared: "
                    + new TreeMap<>(collections).keySet());
        }
        return new Records(this, collection, options);
    }

    /** Tells {@code listener} about changes of one collection's records; close the subscription to stop. */
    public Subscription onChange(String collection, DataListener listener) {
        records(collection);
        return events.onData(collection, Objects.requireNonNull(listener, "listener"));
    }

    /** Tells {@code listener} about changes of any collection's records. */
    public Subscription onChange(DataListener listener) {
        return events.onData(null, Objects.requireNonNull(listener, "listener"));
    }

    // ------------------------------------------------------------------------------------------------ sync

    /**
     * Pushes the queue, then pulls until the server has nothing more, and returns what happened. It covers every
     * write made before the call: if a sync is running (one that may have taken its ops before them), a second pass
     * follows it and this returns that pass's result. A sync that breaks off (offline, refused) returns with
     * {@link SyncResult#error()}; ops that were not delivered stay pending.
     */
    public SyncResult syncNow() {
        try {
            return syncAsync().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the sync", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** {@link #syncNow()} without waiting. */
    public CompletableFuture<SyncResult> syncAsync() {
        return runner.sync();
    }

    public SyncStatus status() {
        return runner.status();
    }

    /** Tells {@code listener} of every status change (pending count, syncing, offline, progress, …). */
    public Subscription onStatus(SyncListener listener) {
        return events.onStatus(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Turns auto-sync on or off and sets its interval (30–3600 s); stored in the local store (kept across restarts)
     * and applied at once: the interval timer restarts from now.
     *
     * @throws IllegalArgumentException if the interval is outside 30–3600 seconds
     */
    public void setAutoSync(boolean enabled, int intervalSeconds) {
        runner.setAutoSync(enabled, Duration.ofSeconds(intervalSeconds));
    }

    public boolean autoSyncEnabled() {
        return runner.autoSync().enabled();
    }

    public int autoSyncIntervalSeconds() {
        return (int) runner.autoSync().interval().toSeconds();
    }

    // ------------------------------------------------------------------------------------------------ queue

    /** Ops not yet accepted by the server (PENDING and SYNCING), oldest first. */
    public List<QueuedOperation> pendingOps() {
        return store.ops(EnumSet.of(OpState.PENDING, OpState.SYNCING));
    }

    /** Ops the server rejected, with its errors. */
    public List<QueuedOperation> failedOps() {
        return store.ops(EnumSet.of(OpState.FAILED));
    }

    /** Ops the server answered with a conflict that the handler left open. */
    public List<QueuedOperation> conflictedOps() {
        return store.ops(EnumSet.of(OpState.CONFLICT));
    }

    /** Drops a failed or conflicted op; returns false if there is none with that opId. */
    public boolean discard(long opId) {
        boolean found = store.discard(opId).isPresent();
        runner.publish();
        return found;
    }

    /**
     * Queues a failed or conflicted op again as a new op on the version the device now holds, with {@code data}
     * (edited) instead of its own when given; returns the new opId.
     */
    public Optional<Long> requeue(long opId, ObjectNode data) {
        Optional<Long> next = store.requeue(opId, data == null ? null : data.deepCopy(), now());
        next.ifPresent(n -> {
            runner.localWrite();
            runner.publish();
        });
        return next;
    }

    // ------------------------------------------------------------------------------------------------ conflicts API

    /** Open conflicts on the server that this user may see ({@code GET /conflicts?status=open}). */
    public List<ServerConflict> conflicts() {
        JsonNode list = call(() -> http.get("conflicts?status=open"));
        List<ServerConflict> out = new ArrayList<>();
        for (JsonNode c : list) {
            List<String> fields = new ArrayList<>();
            c.path("fields").forEach(f -> fields.add(f.asText()));
            out.add(new ServerConflict(c.path("conflictId").asText(), c.path("collection").asText(),
                    c.path("id").asText(), c.path("deviceId").asText(), c.path("userId").asText(),
                    c.path("opId").asLong(), c.path("baseVersion").asLong(), c.path("serverVersion").asLong(),
                    c.get("clientData") instanceof ObjectNode o ? o : null,
                    c.get("serverData") instanceof ObjectNode o ? o : null, fields, c.path("status").asText(),
                    c.hasNonNull("createdAt") ? Instant.parse(c.get("createdAt").asText()) : null));
        }
        return out;
    }

    /**
     * Resolves an open conflict on the server ({@code POST /conflicts/{id}/resolve}); the local op it came from leaves
     * the conflict list, and a sync brings the resolved state.
     *
     * @throws SyncException when the server refuses (409: resolved already; 403: another user's) or is unreachable
     */
    public void resolve(String conflictId, Resolution resolution) {
        Objects.requireNonNull(conflictId, "conflictId");
        ObjectNode body = json.createObjectNode().put("resolution", resolution.kind());
        if (resolution.data() != null) {
            body.set("data", resolution.data());
        }
        call(() -> http.post("conflicts/" + encode(conflictId) + "/resolve", body));
        store.conflictOp(conflictId).ifPresent(op -> store.discard(op.opId()));
        runner.publish();
        runner.sync();
    }

    private interface Call {
        JsonNode run() throws TransportException;
    }

    private static JsonNode call(Call call) {
        try {
            return call.run();
        } catch (TransportException e) {
            throw new SyncException(e.error());
        }
    }

    // ------------------------------------------------------------------------------------------------ identity

    /** This user's device id on this install (generated once, kept in the store). */
    public String deviceId() {
        return store.deviceId();
    }

    /** The user whose store this client holds. */
    public String user() {
        return user;
    }

    /** The SQLite file of this user's store. */
    public Path storeFile() {
        return storeFile;
    }

    /** Stops the timers and the live stream, waits for a running sync, closes the store. */
    @Override
    public void close() {
        try {
            runner.close();
            events.close();
            store.close();
        } finally {
            OPEN_STORES.remove(storeFile);
        }
    }

    // ------------------------------------------------------------------------------------------------ for Records

    LocalStore store() {
        return store;
    }

    Instant now() {
        return clock.instant();
    }

    void written(String collection, String id) {
        List<String[]> deferred = inTransaction.get();
        if (deferred != null) {
            deferred.add(new String[] {collection, id}); // told once the transaction has committed
            return;
        }
        LocalStore.Touched touched = new LocalStore.Touched(new LinkedHashMap<>());
        touched.ids().put(collection, id == null ? Set.of() : Set.of(id));
        events.data(touched, DataChange.Origin.LOCAL);
        runner.publish();
        runner.localWrite();
    }

    /** The writes of the transaction running on this thread, to be told after its commit. */
    private final ThreadLocal<List<String[]>> inTransaction = new ThreadLocal<>();

    /**
     * Makes several writes one unit (contract v1.2, op groups): a sale, its lines and its stock decrements. They are
     * written locally in one SQLite transaction (all or none, also across a crash) and queued as one op group, sent
     * in one push and applied by the server all or nothing; if one op fails there, every op of the group is in
     * {@link #failedOps()} (the others with code {@code group_failed}) and none is applied. Inside, each record
     * changes once (several writes of one record fold into one change; one that cannot fold throws), and at most
     * 1000 changes are made. Listeners hear of the writes after the commit. If {@code body} throws, nothing is
     * written or queued.
     *
     * <pre>{@code
     * client.transaction(tx -> {
     *     tx.records("sales").create(Map.of("totalCents", 450));
     *     tx.records("products").increment("sku-1", Map.of("stock", -2));
     * });
     * }</pre>
     */
    public void transaction(java.util.function.Consumer<Transaction> body) {
        java.util.Objects.requireNonNull(body, "body");
        if (inTransaction.get() != null) throw new IllegalStateException("transactions do not nest");
        List<String[]> writes = new ArrayList<>();
        inTransaction.set(writes);
        try {
            store.transaction(LocalStore.MAX_GROUP, () -> {
                body.accept(new Transaction(this));
                return null;
            });
        } finally {
            inTransaction.remove();
        }
        if (writes.isEmpty()) return;
        LocalStore.Touched touched = new LocalStore.Touched(new LinkedHashMap<>());
        for (String[] w : writes) {
            touched.ids().computeIfAbsent(w[0], c -> new java.util.HashSet<>()).add(w[1]);
        }
        events.data(touched, DataChange.Origin.LOCAL);
        runner.publish();
        runner.localWrite();
    }

    /** The writes of one {@link #transaction}: its records handles queue their ops in the transaction's group. */
    public static final class Transaction {
        private final SyncClient client;

        private Transaction(SyncClient client) {
            this.client = client;
        }

        /** The collection's records, as {@link SyncClient#records}, writing inside the transaction. */
        public Records records(String collection) {
            return client.records(collection);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Settings of a {@link SyncClient}; each is checked when set, and the error names it. */
    public static final class Builder {
        private URI baseUri;
        private TokenProvider tokenProvider;
        private String username;
        private String password;
        private Path storeDirectory;
        private String user;
        private Map<String, CollectionOptions> collections = new LinkedHashMap<>();
        private ConflictHandler conflictHandler = ConflictHandler.DEFAULT;
        private List<SyncListener> statusListeners = new ArrayList<>();
        private List<DataListener> dataListeners = new ArrayList<>();
        private boolean autoSyncEnabled = true;
        private Duration autoSyncInterval = Duration.ofSeconds(300);
        private boolean syncOnStart = true;
        private Duration syncAfterWrite = Duration.ofSeconds(2);
        private boolean syncOnReconnect = true;
        private boolean liveUpdates = false;
        private Duration backoffBase = Duration.ofSeconds(2);
        private Duration backoffCap = Duration.ofMinutes(5);
        private Duration timeout = Duration.ofSeconds(30);
        private int pushBatchSize = 1000;
        private int pullPageSize = 1000;
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random = RandomGenerator.getDefault();
        private SyncEngine.Hooks hooks = SyncEngine.Hooks.NONE;
        private boolean localChecks = true;
        private StoreKey storeKey;
        private Map<String, Integer> schemaVersions = new LinkedHashMap<>();

        private Builder() {
        }

        private Builder copy() {
            Builder b = new Builder();
            b.baseUri = baseUri;
            b.tokenProvider = tokenProvider;
            b.username = username;
            b.password = password;
            b.storeDirectory = storeDirectory;
            b.user = user;
            b.collections = new LinkedHashMap<>(collections);
            b.conflictHandler = conflictHandler;
            b.statusListeners = new ArrayList<>(statusListeners);
            b.dataListeners = new ArrayList<>(dataListeners);
            b.autoSyncEnabled = autoSyncEnabled;
            b.autoSyncInterval = autoSyncInterval;
            b.syncOnStart = syncOnStart;
            b.syncAfterWrite = syncAfterWrite;
            b.syncOnReconnect = syncOnReconnect;
            b.liveUpdates = liveUpdates;
            b.backoffBase = backoffBase;
            b.backoffCap = backoffCap;
            b.timeout = timeout;
            b.pushBatchSize = pushBatchSize;
            b.pullPageSize = pullPageSize;
            b.clock = clock;
            b.random = random;
            b.hooks = hooks;
            b.localChecks = localChecks;
            b.storeKey = storeKey;
            b.schemaVersions = new LinkedHashMap<>(schemaVersions);
            return b;
        }

        /** The server's API root, e.g. {@code https://sync.example.org/api/v1}. */
        public Builder baseUri(URI baseUri) {
            Objects.requireNonNull(baseUri, "baseUri");
            if (!"http".equals(baseUri.getScheme()) && !"https".equals(baseUri.getScheme())) {
                throw new IllegalArgumentException("baseUri must be http or https, was " + baseUri);
            }
            this.baseUri = baseUri;
            return this;
        }

        /** Where bearer tokens come from (called again with {@code refresh = true} after a 401). */
        public Builder tokenProvider(TokenProvider tokenProvider) {
            this.tokenProvider = Objects.requireNonNull(tokenProvider, "tokenProvider");
            this.username = null;
            this.password = null;
            return this;
        }

        /**
         * Signs in with an account of the server ({@code POST /auth/token}) and again when the token is refused;
         * the store is this user's unless {@link #user(String)} says otherwise.
         */
        public Builder credentials(String username, String password) {
            if (username == null || username.isBlank()) {
                throw new IllegalArgumentException("credentials username must not be blank");
            }
            this.username = username;
            this.password = Objects.requireNonNull(password, "credentials password");
            this.tokenProvider = null;
            return this;
        }

        /** The folder holding the store files, one per user. */
        public Builder storeDirectory(Path storeDirectory) {
            this.storeDirectory = Objects.requireNonNull(storeDirectory, "storeDirectory");
            return this;
        }

        /**
         * Encrypts the whole store file (and its write-ahead log) with this key: {@link StoreKey#ofBytes} for a key
         * the app keeps, {@link StoreKey#fromPassword} for one derived from the user's password. A store that cannot
         * be read with it makes {@link #build()} throw {@link WrongStoreKeyException}, leaving the file as it was.
         * {@code null}: a plain store (the default).
         */
        public Builder encryption(StoreKey key) {
            this.storeKey = key;
            return this;
        }

        /** Whose store and device id to use on a shared install (default: the credentials' username). */
        public Builder user(String user) {
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException("user must not be blank");
            }
            this.user = user;
            return this;
        }

        /** A collection to keep locally and sync, with the server's defaults (client ids, no references). */
        public Builder collection(String name) {
            return collection(name, CollectionOptions.defaults());
        }

        public Builder collection(String name, CollectionOptions options) {
            Objects.requireNonNull(name, "collection");
            if (!CollectionOptions.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("collection must match [a-z][a-z0-9_]{0,62}, was " + name);
            }
            collections.put(name, Objects.requireNonNull(options, "collection options"));
            return this;
        }

        /**
         * The schema version of a declared collection this app writes and reads (docs/schema-versions.md): each op
         * queued from now on is stamped with it and keeps it (an op queued before an app update is sent in the version
         * it was written in, and the server upgrades it); pulls ask for the records in this version. A change of
         * version (an app update) makes the next sync pull the collections afresh, in the new shape. Not set: nothing
         * is sent, the server takes the collection's current version. When the server no longer accepts the version
         * ({@code upgrade_required}), syncs stop with {@link SyncStatus.State#UPGRADE_REQUIRED} and the queue is kept
         * until the app is updated. Writes of a collection with a version are not checked against the server's
         * schema here (it describes its current version only); the server checks them.
         */
        public Builder schemaVersion(String collection, int version) {
            Objects.requireNonNull(collection, "schemaVersion collection");
            if (version < 1) {
                throw new IllegalArgumentException("schemaVersion of " + collection + " must be at least 1, was "
                        + version);
            }
            schemaVersions.put(collection, version);
            return this;
        }

        public Builder conflictHandler(ConflictHandler conflictHandler) {
            this.conflictHandler = Objects.requireNonNull(conflictHandler, "conflictHandler");
            return this;
        }

        /** A status listener from the start (more: {@link SyncClient#onStatus}). */
        public Builder listener(SyncListener listener) {
            statusListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** A data listener for every collection from the start (more: {@link SyncClient#onChange}). */
        public Builder dataListener(DataListener listener) {
            dataListeners.add(Objects.requireNonNull(listener, "dataListener"));
            return this;
        }

        /**
         * Auto-sync for a store that has no saved setting yet (default: on, 300 s). A saved setting
         * ({@link SyncClient#setAutoSync}) wins.
         */
        public Builder autoSync(boolean enabled, Duration interval) {
            SyncRunner.checkInterval(interval);
            this.autoSyncEnabled = enabled;
            this.autoSyncInterval = interval;
            return this;
        }

        /** Sync once when the client starts (default on). */
        public Builder syncOnStart(boolean syncOnStart) {
            this.syncOnStart = syncOnStart;
            return this;
        }

        /**
         * Sync at most this long after a local write, when auto-sync is on and the server was reachable (default
         * 2 s; {@link Duration#ZERO} turns it off; at most 10 minutes). Writes made before that sync starts join it,
         * so a device that keeps writing syncs every {@code delay}.
         */
        public Builder syncAfterWrite(Duration delay) {
            checkDuration("syncAfterWrite", delay, Duration.ZERO, Duration.ofMinutes(10));
            this.syncAfterWrite = delay;
            return this;
        }

        /** After a sync found the server unreachable, try again with backoff until it answers (default on). */
        public Builder syncOnReconnect(boolean syncOnReconnect) {
            this.syncOnReconnect = syncOnReconnect;
            return this;
        }

        /** Keep {@code GET /sync/stream} open and sync on each poke (default off). */
        public Builder liveUpdates(boolean liveUpdates) {
            this.liveUpdates = liveUpdates;
            return this;
        }

        /**
         * Waits between attempts after failures: attempt n waits a random time in [d/2, d], d = min(cap, base·2^(n-1));
         * default base 2 s, cap 5 min. {@code Retry-After} wins when longer.
         */
        public Builder backoff(Duration base, Duration cap) {
            checkDuration("backoff base", base, Duration.ofMillis(1), Duration.ofHours(1));
            checkDuration("backoff cap", cap, base, Duration.ofHours(1));
            this.backoffBase = base;
            this.backoffCap = cap;
            return this;
        }

        /** Connect and request timeout (default 30 s). */
        public Builder timeout(Duration timeout) {
            checkDuration("timeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(10));
            this.timeout = timeout;
            return this;
        }

        /** Ops per push request, 1–1000 (default 1000). */
        public Builder pushBatchSize(int size) {
            this.pushBatchSize = checkRange("pushBatchSize", size, 1, 1000);
            return this;
        }

        /** Changes per pull page, 1–1000 (default 1000). */
        public Builder pullPageSize(int size) {
            this.pullPageSize = checkRange("pullPageSize", size, 1, 1000);
            return this;
        }

        /** The clock for op timestamps and status times (tests). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The randomness of the backoff jitter (tests). */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** For tests in this package: stop points that simulate a crash. */
        Builder hooks(SyncEngine.Hooks hooks) {
            this.hooks = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /** For tests in this package: leave every check of a write to the server (to test its rejections). */
        Builder localChecks(boolean localChecks) {
            this.localChecks = localChecks;
            return this;
        }

        /**
         * Opens (or creates) the user's store and starts the client.
         *
         * @throws IllegalStateException if a required setting is missing or the store is open in another client
         */
        public SyncClient build() {
            if (baseUri == null) {
                throw new IllegalStateException("baseUri is required");
            }
            if (tokenProvider == null && username == null) {
                throw new IllegalStateException("tokenProvider or credentials is required");
            }
            if (storeDirectory == null) {
                throw new IllegalStateException("storeDirectory is required");
            }
            if (collections.isEmpty()) {
                throw new IllegalStateException("at least one collection is required");
            }
            for (String versioned : schemaVersions.keySet()) {
                if (!collections.containsKey(versioned)) {
                    throw new IllegalStateException("schemaVersion names " + versioned
                            + ", which is not a declared collection; declared: " + new TreeMap<>(collections).keySet());
                }
            }
            return new SyncClient(this);
        }

        private static void checkDuration(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
            }
        }

        private static int checkRange(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + value);
            }
            return value;
        }
    }
}
