// Type declarations of the Outpost browser SDK (outpost-sync.js). Behaviour: docs/sync-algorithm.md; guide:
// docs/browser-sdk.md; wire contract: PROTOCOL.md.

export type JsonObject = { [key: string]: unknown };

/** A collection the client syncs: its name, or its name with options. */
export type CollectionConfig =
  | string
  | {
      name: string;
      /** `id-mode: server` on the server: creates get a temporary id `tmp-<uuid>` until the server names them. */
      serverIds?: boolean;
      /** Reference fields holding ids of other collections: field → collection (rewritten when a temp id is named). */
      references?: Record<string, string>;
    };

export type ConflictDecision = 'keep-server' | 'reapply-local' | 'leave-open';

/** Gets a bearer token; `refresh` is true after the server answered 401 (give a new one, not the cached one). */
export type TokenProvider = (refresh: boolean) => string | Promise<string>;

export interface SyncClientOptions {
  /** Server base URL, e.g. `https://sync.example.org` (default: the page's origin). `/api/v1` is appended. */
  baseUrl?: string;
  /** Either a token provider or credentials (a password sign-in at `POST /auth/token`, repeated on refresh). */
  tokenProvider?: TokenProvider;
  credentials?: { username: string; password: string };
  /** The signed-in user: one IndexedDB store and one deviceId per user on a shared device. Default: the username. */
  user?: string;
  /** The collections this client syncs (at least one). */
  collections: CollectionConfig[];
  /**
   * The schema version of a collection this app writes and reads (docs/schema-versions.md), e.g. `{patients: 2}`:
   * each op queued is stamped with its collection's and keeps it (an op queued before an app update is sent in the
   * version it was written in, and the server upgrades it); pulls ask for the records in these versions. A changed
   * version (an app update) makes the next sync pull the collections afresh, in the new shape. A collection not named
   * (the default: none): nothing is sent, the server takes its current version. When the server no longer accepts
   * a version (`upgrade_required`), syncing stops with state `upgrade-required` and the queue is kept until the app
   * is updated. Writes of a named collection are not checked against the served schema (it is the current version's).
   */
  schemaVersions?: Record<string, number>;
  /** Decides each conflict; default keeps the server's state, except parked (manual) conflicts, left open. */
  conflictHandler?: (conflict: Conflict) => ConflictDecision | Promise<ConflictDecision>;
  /** Auto-sync default (a setting saved in the store wins). Default `{enabled: true, intervalSeconds: 300}`. */
  autoSync?: { enabled: boolean; intervalSeconds: number };
  /** One sync when the client opens (default true). */
  syncOnStart?: boolean;
  /** Sync this long after a local write while auto-sync is on (default 2000 ms; 0: never). */
  syncAfterWriteMs?: number;
  /** Retry with backoff after a sync found no server, and sync on the browser's `online` event (default true). */
  syncOnReconnect?: boolean;
  /** Keep `GET /sync/stream` open and sync on each poke (default true). */
  liveUpdates?: boolean;
  /** Equal-jitter backoff: base and cap in ms (default 2000 and 300000). */
  backoff?: { baseMs: number; capMs: number };
  /** Per-request timeout in ms (default 30000), the sign-in of `credentials` included. */
  timeoutMs?: number;
  /** Ops per push request, 1–1000 (default 1000). */
  pushBatchSize?: number;
  /** Changes per pull page, 1–1000 (default 1000). */
  pullPageSize?: number;
  /** Store name prefix (default `outpost`): the store (IndexedDB database, SQLite database) is `<prefix>-<user>`. */
  storeName?: string;
  /**
   * Where the store lives (default: {@link indexedDbStorage}`()` where `indexedDB` exists; elsewhere required):
   * `sqliteStorage(...)` from `outpost-sync/sqlite` in React Native and Node.js.
   */
  storage?: StorageAdapter;
  /**
   * Encrypt the store (default: none): record data, queued ops' data and patches, conflicts and errors are sealed
   * with AES-GCM (256 bits, a fresh 12-byte IV per stored value); ids, collection names, versions, op states and
   * types, client timestamps and op groups stay in clear (see docs/browser-sdk.md, An encrypted store).
   * A new store is created encrypted; an existing one must be opened with its key, else `openSyncClient` rejects
   * with a {@link SyncRequestError} of kind `local` and nothing is read or written: `wrong_store_key` (wrong key or
   * password, or another kind of key), `store_key_required` (an encrypted store opened without `encryption`),
   * `store_not_encrypted` (a plain store opened with it: wipe it first). A plain store is not encrypted in place,
   * and there is no rekey (a new password means a new store: sync, `wipeLocalData()`, open with it).
   */
  encryption?: StoreEncryption;
}

/**
 * How a store is encrypted:
 * - `{key}`: the app's own non-extractable AES-GCM CryptoKey (`crypto.subtle.generateKey({name: 'AES-GCM',
 *   length: 256}, false, ['encrypt', 'decrypt'])`, or imported with `extractable` false); an extractable key is
 *   refused (TypeError). The app keeps it (in its own IndexedDB, unwrapped from a server, …).
 * - `'device-key'`: the SDK generates a non-extractable AES-GCM 256 key and keeps the CryptoKey in the store's own
 *   database: page scripts can use it but never read it; it is deleted with the store (`wipeLocalData`).
 * - `{password}`: a key derived from the user's password with PBKDF2-SHA-256, 600,000 iterations, a random 16-byte
 *   salt kept in the store (opening takes a few hundred ms).
 */
export type StoreEncryption = { key: CryptoKey } | 'device-key' | { password: string };

/**
 * Keeps the stores (meta, records, ops) of a client: {@link indexedDbStorage} in browsers, `sqliteStorage` from
 * `outpost-sync/sqlite`. Opaque to apps: made by those functions, passed as {@link SyncClientOptions.storage}.
 */
export interface StorageAdapter {
  /** `indexeddb` or `sqlite`. */
  readonly kind: string;
  open(name: string): Promise<unknown>;
  /** Deletes the store `name` (`wipeLocalData`). */
  delete(name: string): Promise<void>;
}

/** The browser's storage: one IndexedDB database per store. */
export declare function indexedDbStorage(options?: {
  /** How long deleting a store waits for other tabs to close it before rejecting (default 10000). */
  blockedMs?: number;
}): StorageAdapter;

export interface LocalRecord {
  collection: string;
  id: string;
  data: JsonObject;
  /** The server version the record builds on (0: never confirmed by the server). */
  version: number;
  /** True while the record has ops not yet accepted by the server. */
  pending: boolean;
}

/** `increment` (contract v1.2): numeric deltas for counter fields, sent without a baseVersion, never a conflict. */
export type OpType = 'create' | 'update' | 'delete' | 'increment';
export type OpState = 'pending' | 'syncing' | 'synced' | 'conflict' | 'failed';

export interface OperationError {
  code: string;
  message: string;
  fields: Array<{ field: string; message: string }>;
}

/** A conflict the server answered for one of this device's ops. */
export interface Conflict {
  opId: number;
  type: OpType;
  collection: string;
  id: string;
  baseVersion: number;
  serverData: JsonObject | null;
  serverVersion: number;
  serverDeleted: boolean;
  localAttempt: JsonObject | null;
  fields: string[];
  strategy: string | null;
  /** Set when the server parked the op as an open conflict (`manual`): resolve it on the server. */
  conflictId: string | null;
  /**
   * What made it a conflict, when the server says: `exists` (a create of an id a live record has), `deleted` (the
   * record was deleted), `stale` (changed by others since `baseVersion`) or `ahead` (`baseVersion` newer than the
   * server's version, e.g. after a restore from a backup).
   */
  reason: 'exists' | 'deleted' | 'stale' | 'ahead' | null;
}

export interface QueuedOperation {
  opId: number;
  type: OpType;
  collection: string;
  id: string;
  temporaryId: boolean;
  /** The server version the op was written on (an increment's is not sent: it applies to whatever version is there). */
  baseVersion: number;
  /** A create's data, an update's merge patch, an increment's deltas (field → number); null for a delete. */
  data: JsonObject | null;
  clientTimestamp: string;
  state: OpState;
  error: OperationError | null;
  conflict: Conflict | null;
  /**
   * The op group (contract v1.2) of the `transaction` that queued the op, e.g. "g-<uuid>", else null. A failed
   * group's ops are all failed: the culprit with its own error, the others with code `group_failed`.
   */
  group: string | null;
  /**
   * The collection schema version the app wrote the op in (option `schemaVersions` when it was queued), sent with it;
   * null when none was declared (the server takes its current version).
   */
  schemaVersion: number | null;
}

/**
 * `offline`: no answer; `busy`: 429/503; `server`: 5xx or not the protocol; `unauthorized`: 401 after one token
 * refresh; `forbidden`: another 403; `revoked`: 403 `device_revoked`, an admin revoked this device (contract v1.2):
 * the SDK wiped its local store and took a new deviceId; `upgrade-required`: 400 `upgrade_required`, this app's
 * schema version of a collection is older than the server accepts (nothing of the push applied, the queue kept, no
 * automatic sync until the app is updated); `refused`: another 4xx; `local`: the local store or a
 * callback failed, or (thrown by a write) the write was refused before it was queued (`code` `validation_failed` or
 * `forbidden`).
 */
export type SyncErrorKind =
  | 'offline' | 'busy' | 'server' | 'unauthorized' | 'forbidden' | 'revoked' | 'upgrade-required' | 'refused'
  | 'local';

export interface SyncError {
  kind: SyncErrorKind;
  message: string;
  /** HTTP status, 0 when there was no answer. */
  status: number;
  /** The problem's stable `code` when the server sent one (`device_revoked`, `rate_limited`, …), or a local write's. */
  code: string | null;
  /**
   * A local write refused with `validation_failed`: each field path as the server gives it (`name`, `items[2].sku`,
   * `""` for the record itself, e.g. a property it does not allow), with the validator's message; sorted by field.
   */
  fields?: Array<{ field: string; message: string }>;
}

export interface SyncResult {
  pushed: number;
  applied: number;
  merged: number;
  conflicts: number;
  rejected: number;
  /** Ops still waiting because the sync stopped early (no server, 5xx, …). */
  failed: number;
  pulled: number;
  durationMs: number;
  error: SyncError | null;
}

/**
 * `upgrade-required`: the server answered `upgrade_required` (an error of that kind): show "please update the app".
 * The queue is kept, and no sync starts by itself (`syncNow()` still asks once) until a sync succeeds, e.g. from the
 * updated app (a client opened with the newer `schemaVersions`).
 */
export type SyncState = 'idle' | 'syncing' | 'offline' | 'error' | 'upgrade-required';

/**
 * The status in one word, in this precedence: `upgrade-required` from `state`; else `attention` when failedOps +
 * openConflicts > 0; else `error`, `offline` or `syncing` from `state`; else `pending` when pendingOps > 0; else
 * `synced` (nothing pending, failed or in conflict).
 */
export type SyncSummary = 'upgrade-required' | 'attention' | 'error' | 'offline' | 'syncing' | 'pending' | 'synced';

export interface SyncStatus {
  state: SyncState;
  /** What a badge should say (see {@link SyncSummary}); only `synced` means everything was accepted. */
  summary: SyncSummary;
  /** PENDING + SYNCING ops. */
  pendingOps: number;
  failedOps: number;
  openConflicts: number;
  /** ISO time of the last successful sync (any tab of this origin and user), or null. */
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  lastError: SyncError | null;
  progress: { phase: 'push' | 'pull'; done: number; total: number } | null;
  nextAttemptAt: string | null;
  autoSync: { enabled: boolean; intervalSeconds: number };
  /** True in the one tab of this origin and user that runs the timers and the live stream. */
  leader: boolean;
}

export interface DataChange {
  collection: string;
  /** Changed ids as they are now; empty: reload the whole collection. */
  ids: string[];
  /**
   * Temporary id → the id the server assigned, for records of this collection whose temporary id (`tmp-…`, a create
   * with a null id in a `serverIds` collection) this change replaced: an app holding the temporary id follows it here.
   * Empty (`{}`) when none was replaced. Same name as the Java SDK's `DataChange.replacedIds`.
   */
  replacedIds: Record<string, string>;
  origin: 'local' | 'sync';
}

/**
 * What the server says about a collection (`GET /api/v1/collections`, contract v1.2 "Schemas for clients") for this
 * user's roles, as the SDK last fetched it.
 */
export interface CollectionRules {
  /** The collection's JSON Schema (draft 2020-12 unless its `$schema` says otherwise); absent when it has none. */
  schema?: JsonObject;
  /** The fields `increment` may change. */
  counters?: string[];
  /** Fields the server computes (from a referenced record); a client-sent value is replaced. */
  derived?: string[];
  idMode: 'client' | 'server';
  visibility: 'tenant' | 'owner';
  ownerField?: string;
  references?: Record<string, string>;
  conflictStrategy?: string;
  /** Creates only: an update or delete is refused (locally too, `forbidden`). */
  appendOnly: boolean;
  /** Whether this user may write to it at all (else every write is refused locally, `forbidden`). */
  canWrite: boolean;
}

/** An open conflict on the server (`GET /conflicts?status=open`). */
export interface ServerConflict {
  conflictId: string;
  collection: string;
  id: string;
  deviceId: string;
  userId: string;
  opId: number;
  baseVersion: number;
  serverVersion: number;
  clientData: JsonObject | null;
  serverData: JsonObject | null;
  fields: string[];
  status: string;
  createdAt: string | null;
}

export type Resolution = 'server' | 'client' | { custom: JsonObject };

export type Filter = Record<string, string | number | boolean | null>;

/**
 * Every write is checked before it is written or queued against what the server serves for the collection
 * ({@link CollectionRules}, kept in the store, so offline too): a write the server would refuse rejects at once with
 * a {@link SyncRequestError} of kind `local`, code `forbidden` (`canWrite` false; an update, increment or delete of an
 * `appendOnly` collection) or `validation_failed` (the record as the write leaves it breaks the schema; `error.fields`
 * has the server's field paths), and nothing changes. Not validated locally: collections the server did not name or
 * that have no schema, any collection before its rules were first fetched, derived fields, a reference field holding
 * a temporary id; `format` is not asserted (draft 2019-09 and later), as on the server.
 */
export interface Records {
  /**
   * Writes the record and queues its create in one IndexedDB transaction. `id` null: a temp id (serverIds only).
   * `data` is validated against the collection's schema first.
   */
  create(id: string | null, data: JsonObject): Promise<LocalRecord>;
  /**
   * Applies a merge patch (RFC 7396) locally and queues it on the version the device last saw. The merged record is
   * validated against the collection's schema first (as the server validates the record's resulting state).
   */
  update(id: string, patch: JsonObject): Promise<LocalRecord>;
  /**
   * Adds numeric deltas to counter fields (`increment`, contract v1.2), e.g. `increment('sku-1', {stock: -2})`: the
   * local record shows the sum at once (a missing field counts as 0) and the op is queued without a baseVersion, so
   * it never conflicts and every device's increments land. The fields must be declared as `counters` of the
   * collection on the server, else the op is rejected. The local value is the server's value plus this device's
   * deltas the server state does not contain yet: never counted twice. Rejects (TypeError) an empty object, a delta
   * that is not a finite number, or a field holding something other than a number; (Error) a record that is not in
   * the local store or deleted; (SyncRequestError `validation_failed`) a resulting record that breaks the schema, e.g.
   * below a `minimum`. Whether the fields are declared `counters` is left to the server.
   */
  increment(id: string, deltas: Record<string, number>): Promise<LocalRecord>;
  delete(id: string): Promise<void>;
  get(id: string): Promise<LocalRecord | null>;
  /** Visible records, by id; `filter`: top-level fields equal to the given values. */
  list(filter?: Filter): Promise<LocalRecord[]>;
}

/**
 * The writes of one `SyncClient.transaction`: `records(collection)` writes inside it (its `get` and `list` see the
 * transaction's writes). Used after the callback is done, its methods reject.
 */
export interface Transaction {
  records(collection: string): Records;
}

export declare class SyncClient {
  /** This install's id for the user; a new one after the device was revoked (kind `revoked`). */
  readonly deviceId: string;
  readonly user: string;
  /**
   * What the server said about `collection` (fetched on open when online and on every sync, kept in the store), or
   * null when not known: not fetched yet, not declared on the server, or the server predates contract v1.2.
   */
  collectionRules(collection: string): CollectionRules | null;
  records(collection: string): Records;
  /**
   * Writes that land together or not at all (contract v1.2, op groups): the writes `work` makes through
   * `tx.records(...)` are committed locally in one IndexedDB transaction when it is done (it may await anything in
   * between: they are staged until then) and queued as one op group, sent in one push and applied by the server all
   * or nothing. If `work` throws, nothing is written and the promise rejects with its error. A record changes once
   * in a transaction: its writes fold into one op (create then update, two increments, create then increment), one
   * that cannot fold (an update after an increment) rejects; at most 1000 ops (RangeError). Listeners hear of the
   * writes after the commit. Resolves to what `work` returned.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T> | T): Promise<T>;
  /** Syncs now, or joins the sync that is running (in any tab of this origin and user, one runs at a time). */
  syncNow(): Promise<SyncResult>;
  status(): SyncStatus;
  /** Calls `listener` with the status now and on every change; returns the unsubscribe function. */
  subscribe(listener: (status: SyncStatus) => void): () => void;
  unsubscribe(listener: (status: SyncStatus) => void): void;
  /** Data changes (local writes, pulls, other tabs); returns the unsubscribe function. */
  onChange(listener: (change: DataChange) => void, collection?: string): () => void;
  /** Turns auto-sync on/off with an interval of 30–3600 whole seconds (RangeError otherwise); saved, applied at once. */
  setAutoSync(enabled: boolean, intervalSeconds: number): Promise<void>;
  pendingOps(): Promise<QueuedOperation[]>;
  failedOps(): Promise<QueuedOperation[]>;
  conflictedOps(): Promise<QueuedOperation[]>;
  /**
   * Drops a failed or conflicted op (its record shows the server's state); false if none has that opId. An op of
   * an op group takes the group's other failed and conflicted ops with it.
   */
  discard(opId: number): Promise<boolean>;
  /**
   * Queues a failed or conflicted op again (edited with `data`) on the version the device holds; the new opId. Edited
   * data is checked like a write (SyncRequestError `validation_failed` / `forbidden`; the op stays as it was).
   */
  requeue(opId: number, data?: JsonObject): Promise<number | null>;
  /** Settles a conflicted op: 'server' keeps the server's state, 'client' re-applies this device's change, custom data. */
  resolveConflict(opId: number, resolution: Resolution): Promise<void>;
  /** Open conflicts on the server that this user may see. */
  conflicts(): Promise<ServerConflict[]>;
  /** Resolves an open server conflict (`POST /conflicts/{id}/resolve`). */
  resolve(conflictId: string, resolution: Resolution): Promise<void>;
  /** Stops timers, the live stream and the tab coordination; closes the store. Later writes, reads and syncs reject. */
  close(): Promise<void>;
  /**
   * "Sign out and wipe" on a shared device: deletes everything this client's store holds for its user (the IndexedDB
   * database `<storeName>-<user>`: records, unsent changes, conflicts, sync positions, deviceId, schemas, settings).
   * Unsent changes are lost: check `pendingOps()` first to warn. Closes this client (later calls reject: "the
   * SyncClient is closed: its local data was wiped") and this user's clients in other tabs of the origin. A later
   * `openSyncClient` starts an empty store as a new device. Resolves once the database is deleted.
   */
  wipeLocalData(): Promise<void>;
}

/** Opens (creating on first use) the user's store and starts the client's triggers. */
export declare function openSyncClient(options: SyncClientOptions): Promise<SyncClient>;

/** Signs in with a password (`POST /auth/token`); the access token. No answer within `timeoutMs` (30 s): kind 'offline'. */
export declare function signIn(baseUrl: string | undefined, username: string, password: string,
                               options?: { timeoutMs?: number }): Promise<string>;

/**
 * Thrown by `signIn` and the conflicts API when the server refuses (or cannot be reached: kind 'offline'), and by a
 * write the SDK refused before queueing it (kind 'local', code `validation_failed` with `error.fields`, or
 * `forbidden`), and by `openSyncClient` for an encrypted store's key (kind 'local', code `wrong_store_key`,
 * `store_key_required` or `store_not_encrypted`; `store_damaged` when a stored value does not decrypt).
 */
export declare class SyncRequestError extends Error {
  readonly error: SyncError;
}

export declare const MIN_INTERVAL_SECONDS: 30;
export declare const MAX_INTERVAL_SECONDS: 3600;
