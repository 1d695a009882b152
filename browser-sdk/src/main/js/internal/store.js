// The device's durable state, one store per user, kept by a storage adapter (storage/indexeddb.js in a browser,
// storage/sqlite.js in React Native and Node.js): `meta` (deviceId, next opId, cursors, settings, the served
// collections), `records` (the server's last confirmed state of each record and, while local ops are live, the view
// with them on top) and `ops` (the queue). Every public method is one transaction of the adapter: a local write and
// its queued op commit together or not at all. Writes the app was told about use durability 'strict' (flushed to
// disk).
//
// A record's view is its server state with its *live* ops applied in opId order: pending and syncing ops, and synced
// ops above the last `lastProcessedOpId` a completed pull confirmed. Conflict and failed ops are not live: the record
// shows the server's state. (docs/sync-algorithm.md)
//
// Merge patches are idempotent, increments are not: an increment whose effect the server state already holds is left
// out of the replay, or its delta would count twice (see `contained`).

import { applyPatch, composePatches, copy } from './merge-patch.js';
import {
  Cipher, DEVICE_KEY_META, ENCRYPTION_META, createEncryption, encryptionOption, keyError, unlockEncryption,
} from './crypt.js';
import { indexedDbStorage } from '../storage/indexeddb.js';
import { clone, randomUuid } from './platform.js';

const LIVE_NOW = new Set(['pending', 'syncing']);
/** The most ops one op group (one transaction) may have: one push's limit. */
export const MAX_GROUP = 1000;

/** Waiting and never sent, so it may still change in place. An op of an older store (no `sent`): maybe sent. */
const unsent = (op) => op !== undefined && op.state === 'pending' && op.sent === false;

/**
 * Whether the write being made (in op group `group`, null outside a transaction) may change `tail` in place: unsent,
 * and of the same group (a group's ops are never merged with ops outside it, before or after).
 */
const foldable = (tail, group) => unsent(tail) && (tail.group ?? null) === group;

/**
 * Whether `tail` was written in schema version `version` (docs/schema-versions.md; null: none declared), so that a
 * write's data may be folded into it: an op queued before an app update keeps its own shape. An op of a store from
 * before versions has no `schemaVersion`: none.
 */
const sameVersion = (tail, version) => (tail.schemaVersion ?? null) === version;

/** Inside a transaction a record changes once: a write its op in this group cannot take is refused. */
function refuseSecondOpInGroup(tail, group, collection, id) {
  if (group !== null && tail !== undefined && tail.group === group) {
    throw new Error(`a transaction changes a record once: ${collection}/${id} already has a change in it that this `
      + 'one cannot be combined with');
  }
}

/**
 * Whether the server state held already contains the op's effect: its answer's version (`appliedVersion`, stored when
 * the applied/merged answer arrives) is at or below the record's server version, or (an increment, whose answer may
 * have been lost after the server applied it) its opId is at or below the confirmed watermark, whatever its state.
 */
function contained(op, serverVersion, confirmed) {
  if (op.state === 'synced' && op.appliedVersion > 0 && op.appliedVersion <= serverVersion) return true;
  return op.type === 'increment' && op.opId <= confirmed;
}

/** Marks a promise as handled (its failure surfaces as the transaction's), and returns it. */
function handled(promise) {
  promise.catch(() => {});
  return promise;
}

/**
 * What a store change touched: collection → Set of ids (an empty Set with `all`: reload the collection), and the
 * temporary ids the server replaced (collection → Map of temporary id → the server's id).
 */
export class Touched {
  constructor() {
    this.ids = new Map();
    this.everything = new Set();
    this.replaced = new Map();
  }
  /** A temporary id of `collection` the server replaced by `realId` (the record is touched under `realId`). */
  replace(collection, tempId, realId) {
    this.add(collection, realId);
    if (!this.replaced.has(collection)) this.replaced.set(collection, new Map());
    this.replaced.get(collection).set(tempId, realId);
  }
  add(collection, id) {
    if (!this.ids.has(collection)) this.ids.set(collection, new Set());
    if (id != null) this.ids.get(collection).add(id);
  }
  all(collection) {
    this.add(collection, null);
    this.everything.add(collection);
  }
  isEmpty() {
    return this.ids.size === 0;
  }
  /**
   * As plain data for listeners and other tabs: [{collection, ids, replacedIds}] (ids empty: the whole collection;
   * replacedIds: {temporary id: server id}, empty when none was replaced).
   */
  toChanges() {
    return [...this.ids.entries()].map(([collection, ids]) => ({
      collection,
      ids: this.everything.has(collection) ? [] : [...ids],
      replacedIds: Object.fromEntries(this.replaced.get(collection) ?? []),
    }));
  }
}

/** A row deleted in a transaction (`StagedTx`, `SealedTx`). */
const GONE = Symbol('gone');
/** A key of `records` or `ops` as one string. */
const rowKey = (store, key) => (store === 'records' ? `${key[0]}\u0000${key[1]}` : String(key));
const keyOfRow = (store, row) => (store === 'records' ? [row.collection, row.id] : row.opId);

/**
 * The transaction of an encrypted store over the adapter's own (`base`, which stores rows as they are): rows of
 * `records` and `ops` are sealed on the way in and opened on the way out (crypt.js). WebCrypto runs while the
 * adapter's transaction is open: `base.alive` keeps it open meanwhile (IndexedDB would commit at the first await of
 * something else). A write is sealed before it is stored, so it is kept here too (`written`) and reads in the
 * transaction see it at once, as they see a plain store's writes.
 */
class SealedTx {
  constructor(base, cipher) {
    this.base = base;
    this.cipher = cipher;
    this.written = { records: new Map(), ops: new Map() };
  }

  alive(promise) {
    return this.base.alive(promise);
  }

  async openRows(store, rows) {
    return Promise.all(rows.map((row) => this.cipher.open(store, row)));
  }

  /** This transaction's writes of `store` as they are now (a read sees the writes made before it). */
  snapshot(store) {
    return this.written[store].size === 0 ? null : new Map(this.written[store]);
  }

  async get(store, key) {
    const w = this.written[store].get(rowKey(store, key));
    if (w) return w === GONE ? undefined : Cipher.join(w);
    const row = await this.base.get(store, key);
    return row === undefined ? undefined : this.alive(this.cipher.open(store, row));
  }

  put(store, value) {
    const k = rowKey(store, keyOfRow(store, value));
    const entry = Cipher.split(store, value);
    this.written[store].set(k, entry);
    return handled((async () => {
      try {
        const sealed = await this.alive(this.cipher.seal(store, entry));
        if (this.written[store].get(k) !== entry) return; // a later write of this row in this transaction wins
        await this.base.put(store, sealed);
      } catch (e) {
        this.base.abort(e);
        throw e;
      }
    })());
  }

  del(store, key) {
    this.written[store].set(rowKey(store, key), GONE);
    return this.base.del(store, key);
  }

  getMeta(key) {
    return this.base.getMeta(key);
  }

  setMeta(key, value) {
    return this.base.setMeta(key, value);
  }

  confirmedOpId() {
    return this.base.confirmedOpId();
  }

  /** Stored rows (opened) with this transaction's writes as they were when the read was made on top. */
  async merged(store, rowsPromise, keep) {
    const written = this.snapshot(store);
    const rows = await rowsPromise;
    const opened = await this.alive(this.openRows(store, rows));
    if (!written) return opened;
    const byKey = new Map(opened.map((row) => [rowKey(store, keyOfRow(store, row)), row]));
    for (const [k, w] of written) {
      if (w === GONE) {
        byKey.delete(k);
        continue;
      }
      const row = Cipher.join(w);
      if (keep(row)) byKey.set(k, row);
      else byKey.delete(k);
    }
    return [...byKey.values()];
  }

  async opsOf(collection, id) {
    return (await this.merged('ops', this.base.opsOf(collection, id),
      (op) => op.collection === collection && op.recordId === id)).sort((a, b) => a.opId - b.opId);
  }

  async opsIn(state, count) {
    const limit = this.written.ops.size === 0 ? count : undefined;
    const all = (await this.merged('ops', this.base.opsIn(state, limit), (op) => op.state === state))
      .sort((a, b) => a.opId - b.opId);
    return count === undefined ? all : all.slice(0, count);
  }

  async recordsIn(collection) {
    return this.merged('records', this.base.recordsIn(collection), (r) => r.collection === collection);
  }

  /** Without opening them (only their clear fields are used). */
  async opKeysIn(state) {
    const written = this.snapshot('ops');
    const rows = await this.base.opKeysIn(state);
    if (!written) return rows;
    const byKey = new Map(rows.map((row) => [String(row.opId), row]));
    for (const [k, w] of written) {
      if (w === GONE || w.clear.state !== state) byKey.delete(k);
      else byKey.set(k, w.clear);
    }
    return [...byKey.values()];
  }

  recordKeysIn(collection) {
    return this.base.recordKeysIn(collection);
  }

  localRecordKeys() {
    return this.base.localRecordKeys();
  }

  countIn(state) {
    return this.base.countIn(state);
  }

  clear() {
    this.written.records.clear();
    this.written.ops.clear();
    return this.base.clear();
  }
}

/** Where a transaction's staged opIds start: above every real one, so they sort after them and are never confirmed. */
const STAGED_OP_IDS = 2 ** 52;

/**
 * The Tx interface over an in-memory overlay: reads see the store (each in a short read-only transaction) with the
 * staged writes on top; writes go to the overlay only. A transaction's callback may await anything (a fetch, a
 * timer), which would auto-commit an IndexedDB transaction half-way: its writes are staged here, and replayed in one
 * store transaction when the callback is done (`Staging.commit`).
 */
class StagedTx {
  constructor(store) {
    this.store = store;
    this.staged = { records: new Map(), ops: new Map(), meta: new Map([['next_op_id', STAGED_OP_IDS]]) };
  }
  base(work) {
    return this.store.run('readonly', work);
  }
  static key(store, key) {
    return store === 'records' ? `${key[0]}\u0000${key[1]}` : key;
  }
  async get(store, key) {
    const m = this.staged[store];
    const k = StagedTx.key(store, key);
    if (m.has(k)) {
      const v = m.get(k);
      return v === GONE ? undefined : clone(v);
    }
    return this.base((tx) => tx.get(store, key));
  }
  put(store, value) {
    const key = store === 'records' ? [value.collection, value.id] : value.opId;
    this.staged[store].set(StagedTx.key(store, key), clone(value));
    return Promise.resolve();
  }
  del(store, key) {
    this.staged[store].set(StagedTx.key(store, key), GONE);
    return Promise.resolve();
  }
  async getMeta(key) {
    if (this.staged.meta.has(key)) return this.staged.meta.get(key);
    return this.base((tx) => tx.getMeta(key));
  }
  setMeta(key, value) {
    this.staged.meta.set(key, value ?? null);
    return Promise.resolve();
  }
  async confirmedOpId() {
    return Number((await this.getMeta('confirmed_op_id')) ?? 0);
  }
  merged(base, storeName, keyOf, keep) {
    const byKey = new Map(base.map((v) => [keyOf(v), v]));
    for (const [k, v] of this.staged[storeName]) {
      if (v === GONE || !keep(v)) byKey.delete(k);
      else byKey.set(k, clone(v));
    }
    return [...byKey.values()];
  }
  async opsOf(collection, id) {
    const base = await this.base((tx) => tx.opsOf(collection, id));
    return this.merged(base, 'ops', (op) => op.opId, (op) => op.collection === collection && op.recordId === id)
      .sort((a, b) => a.opId - b.opId);
  }
  async opsIn(state, count) {
    const base = await this.base((tx) => tx.opsIn(state));
    const all = this.merged(base, 'ops', (op) => op.opId, (op) => op.state === state).sort((a, b) => a.opId - b.opId);
    return count === undefined ? all : all.slice(0, count);
  }
  async recordsIn(collection) {
    const base = await this.base((tx) => tx.recordsIn(collection));
    return this.merged(base, 'records', (r) => StagedTx.key('records', [r.collection, r.id]),
      (r) => r.collection === collection);
  }
  opKeysIn(state) {
    return this.opsIn(state);
  }
  /** The staged ops of op group `group`. */
  groupSize(group) {
    return [...this.staged.ops.values()].filter((op) => op !== GONE && op.group === group).length;
  }
}

/**
 * One `SyncClient.transaction` (op group `group`): its writes run one after the other against a `StagedTx` (their
 * results and refusals are those of the real store), and are recorded; `commit` replays them in one store
 * transaction, so a write another tab or a sync made meanwhile is taken into account (a replay that is refused then,
 * e.g. a record deleted meanwhile, rejects the commit and nothing is written).
 */
class Staging {
  constructor(store, group) {
    this.store = store;
    this.group = group;
    this.overlay = new StagedTx(store);
    this.writes = [];
    this.chain = Promise.resolve();
    this.open = true;
    this.broken = null;
  }

  /** Runs `work(overlay)` after the transaction's earlier calls (a callback need not await each write). */
  queue(work) {
    if (!this.open) {
      return Promise.reject(new Error('this transaction is over: use it only inside its callback'));
    }
    const run = this.chain.then(() => work(this.overlay));
    this.chain = run.catch(() => {});
    return run;
  }

  /** A write: `kind` is create, update, increment or delete, `args` the store method's arguments after the tx. */
  write(kind, args) {
    const saved = clone(args);
    return this.queue(async (overlay) => {
      if (this.broken) throw this.broken;
      const result = await this.store[`${kind}In`](overlay, ...args, this.group);
      this.writes.push([kind, saved]);
      const size = overlay.groupSize(this.group);
      if (size > MAX_GROUP) {
        this.broken = tooMany(size);
        throw this.broken;
      }
      return result;
    });
  }

  /**
   * Ends the transaction: waits for its writes and commits them in one store transaction (durability strict).
   * The written records as [collection, id] (temporary ids included), after the commit.
   */
  async commit() {
    this.open = false;
    await this.chain;
    if (this.broken) throw this.broken;
    if (this.writes.length === 0) return [];
    return this.store.run('readwrite', async (tx) => {
      const keys = new Map();
      for (const [kind, args] of this.writes) {
        await this.store[`${kind}In`](tx, ...args, this.group);
        keys.set(`${args[0]}\u0000${args[1]}`, [args[0], args[1]]);
      }
      let size = 0;
      for (const [collection, id] of keys.values()) {
        size += (await tx.opsOf(collection, id)).filter((op) => op.group === this.group).length;
      }
      if (size > MAX_GROUP) throw tooMany(size);
      return [...keys.values()];
    });
  }

  /** The callback failed: nothing is written, later calls are refused. */
  abandon() {
    this.open = false;
  }
}

function tooMany(size) {
  return new RangeError(`a transaction queues at most ${MAX_GROUP} changes (one push); this one made ${size}`);
}

/** IndexedDB where there is one (a browser); elsewhere a storage adapter must be given. */
function defaultStorage() {
  if (globalThis.indexedDB) return indexedDbStorage();
  throw new TypeError('no IndexedDB here (Node.js, React Native): give a storage adapter, e.g. sqliteStorage(...) '
    + 'from outpost-sync/sqlite');
}

export class LocalStore {
  /**
   * Opens (creating or upgrading) the database `name`; ops left syncing by a crash go back to pending.
   * `encryption` (crypt.js `encryptionOption`): the store's key; a new store is encrypted with it, an existing one
   * must have been made with it (SyncRequestError kind 'local': `wrong_store_key`, `store_key_required` for an
   * encrypted store opened without one, `store_not_encrypted` for a plain store opened with one; nothing written).
   */
  static async open(name, { encryption = null, storage = null } = {}) {
    const wanted = encryptionOption(encryption);
    const adapter = storage ?? defaultStorage();
    const connection = await adapter.open(name);
    const store = new LocalStore(connection, name, adapter);
    try {
      if (wanted?.scheme === 'device-key' && !connection.keepsCryptoKeys) {
        throw new TypeError(`encryption 'device-key' needs a storage that keeps CryptoKey objects (IndexedDB); the `
          + `${adapter.kind ?? 'given'} storage cannot: give {key} or {password}`);
      }
      store.cipher = await store.unlock(wanted);
      await store.init();
    } catch (e) {
      await connection.close();
      throw e;
    }
    return store;
  }

  /** The store's Cipher (null: a plain store), set up on a new store, checked on an existing one. */
  async unlock(wanted) {
    const [setup, deviceId, deviceKey] = await this.run('readonly', (tx) => Promise.all([
      tx.getMeta(ENCRYPTION_META), tx.getMeta('device_id'), tx.getMeta(DEVICE_KEY_META)]));
    if (setup) {
      if (!wanted) {
        throw keyError('store_key_required', `the local store ${this.name} is encrypted: open it with its `
          + '`encryption` option');
      }
      return new Cipher(await unlockEncryption(this.name, setup, wanted, deviceKey));
    }
    if (!wanted) return null;
    if (deviceId != null) {
      throw keyError('store_not_encrypted', `the local store ${this.name} is not encrypted: open it without `
        + '`encryption`, or wipe it (wipeLocalData) to start an encrypted one');
    }
    const fresh = await createEncryption(wanted);
    const created = await this.run('readwrite', async (tx) => {
      if ((await tx.getMeta(ENCRYPTION_META)) || (await tx.getMeta('device_id')) != null) return false;
      tx.setMeta(ENCRYPTION_META, fresh.setup);
      if (fresh.deviceKey) tx.setMeta(DEVICE_KEY_META, fresh.deviceKey);
      return true;
    });
    return created ? new Cipher(fresh.key) : this.unlock(wanted); // another tab made the store meanwhile
  }

  constructor(connection, name, storage) {
    /** The storage adapter's connection to this store (storage/indexeddb.js, storage/sqlite.js). */
    this.connection = connection;
    /** The storage adapter (its `delete(name)` wipes the store). */
    this.storage = storage;
    this.name = name;
    this.deviceId = null;
    /** The served collections (a CollectionCatalog): local writes are checked against them before they queue. */
    this.catalog = null;
    /** Seals and opens record data and ops (an encrypted store), or null. */
    this.cipher = null;
    /**
     * Collection → the schema version the app writes (option `schemaVersions`): each op queued is stamped with its
     * collection's and keeps it, also after an app update. A collection not in it: null (none declared).
     */
    this.schemaVersions = {};
  }

  /** The schema version a new op of `collection` is stamped with, or null. */
  versionOf(collection) {
    return Object.hasOwn(this.schemaVersions, collection) ? this.schemaVersions[collection] : null;
  }

  async init() {
    this.deviceId = await this.run('readwrite', async (tx) => {
      let id = await tx.getMeta('device_id');
      if (id == null) {
        id = `d-${randomUuid()}`;
        await tx.setMeta('device_id', id);
        await tx.setMeta('next_op_id', 1);
      }
      return id;
    });
  }

  /**
   * Ops left syncing by a crash or a closed tab go back to pending (the server dedupes the re-send by opId). Only
   * the tab that holds the sync lock may call this: another tab's push may be in flight.
   */
  releaseInFlight() {
    return this.run('readwrite', async (tx) => {
      for (const op of await tx.opsIn('syncing')) await tx.put('ops', { ...op, state: 'pending' });
    });
  }

  /**
   * The device was revoked (contract v1.2, 403 `device_revoked`): drops every record and op of this store, its
   * cursors, watermarks and the served collections, and takes a new deviceId (the old one is refused for good). The
   * auto-sync setting stays. When the store's deviceId is no longer `revokedId` (another tab wiped it already), only
   * adopts the current one. Resolves to {deviceId, wiped}.
   */
  async wipe(revokedId) {
    const outcome = await this.run('readwrite', async (tx) => {
      const current = await tx.getMeta('device_id');
      if (current !== revokedId && current != null) return { deviceId: current, wiped: false };
      const kept = await Promise.all(['auto_sync', ENCRYPTION_META, DEVICE_KEY_META].map(async (key) => [key,
        await tx.getMeta(key)]));
      await tx.clear();
      const deviceId = `d-${randomUuid()}`;
      tx.setMeta('device_id', deviceId);
      tx.setMeta('next_op_id', 1);
      for (const [key, value] of kept) if (value != null) tx.setMeta(key, value); // the setting, the store's key
      return { deviceId, wiped: true };
    });
    this.deviceId = outcome.deviceId;
    return outcome;
  }

  /**
   * Runs `work(tx)` in one transaction of the storage adapter over meta, records and ops (an encrypted store's
   * rows sealed and opened on the way); resolves after the commit with work's result. If work throws, nothing of it
   * is stored.
   */
  run(mode, work, durability = 'strict') {
    return this.connection.run(mode, (tx) => work(this.cipher ? new SealedTx(tx, this.cipher) : tx), durability);
  }

  close() {
    return this.connection.close();
  }

  // ------------------------------------------------------------------------------------------- meta

  getMeta(key) {
    return this.run('readonly', (tx) => tx.getMeta(key));
  }

  putMeta(key, value) {
    return this.run('readwrite', (tx) => tx.setMeta(key, value));
  }

  async nextOpId(tx) {
    const next = Number(await tx.getMeta('next_op_id'));
    tx.setMeta('next_op_id', next + 1);
    return next;
  }

  // ------------------------------------------------------------------------------------------- local writes

  /**
   * Starts a transaction (`SyncClient.transaction`): a `Staging` whose writes queue their ops as op group `group`
   * (contract v1.2) once it commits.
   */
  stage(group) {
    return new Staging(this, group);
  }

  /** Creates a record locally and queues the create; `temp`: the id is temporary (server-assigned ids). */
  create(collection, id, temp, data, at) {
    return this.run('readwrite', (tx) => this.createIn(tx, collection, id, temp, data, at, null));
  }

  /** `create` in the given transaction; `group`: the op group of the transaction being made, or null. */
  async createIn(tx, collection, id, temp, data, at, group) {
    if (await this.view(tx, collection, id)) throw new Error(`record ${collection}/${id} exists already`);
    refuseSecondOpInGroup((await tx.opsOf(collection, id)).at(-1), group, collection, id);
    this.catalog?.check(collection, id, 'create', data); // refused before anything is written
    tx.put('ops', {
      opId: await this.nextOpId(tx), type: 'create', collection, recordId: id, temp, baseVersion: 0,
      data: copy(data), clientTs: at, state: 'pending', sent: false, error: null, conflict: null, group,
      schemaVersion: this.versionOf(collection),
    });
    await this.refreshView(tx, collection, id);
    return this.view(tx, collection, id);
  }

  /**
   * Applies a merge patch locally and queues it with the version the device last saw (folded into the record's last
   * op when that was never sent: a sent op may have been applied though its answer was lost, and re-sent with other
   * content under the same opId the server would answer it from its stored result, losing the change).
   */
  update(collection, id, patch, at) {
    return this.run('readwrite', (tx) => this.updateIn(tx, collection, id, patch, at, null));
  }

  async updateIn(tx, collection, id, patch, at, group) {
    const current = await this.view(tx, collection, id);
    if (!current) throw noSuchRecord(collection, id);
    this.catalog?.check(collection, id, 'update', applyPatch(current.data, patch)); // the merged result
    const tail = (await tx.opsOf(collection, id)).at(-1);
    const version = this.versionOf(collection);
    let folded = false;
    if (foldable(tail, group) && sameVersion(tail, version) && tail.type === 'create') {
      tx.put('ops', { ...tail, data: applyPatch(tail.data, patch), clientTs: at });
      folded = true;
    } else if (foldable(tail, group) && sameVersion(tail, version) && tail.type === 'update') {
      const composed = composePatches(tail.data, patch);
      if (composed !== null) {
        tx.put('ops', { ...tail, data: composed, clientTs: at });
        folded = true;
      }
    }
    if (!folded) {
      refuseSecondOpInGroup(tail, group, collection, id);
      tx.put('ops', {
        opId: await this.nextOpId(tx), type: 'update', collection, recordId: id, temp: false,
        baseVersion: await this.serverVersion(tx, collection, id), data: copy(patch), clientTs: at,
        state: 'pending', sent: false, error: null, conflict: null, group, schemaVersion: version,
      });
    }
    await this.refreshView(tx, collection, id);
    return this.view(tx, collection, id);
  }

  /**
   * Adds numeric deltas to top-level fields locally (a missing field counts as 0) and queues an increment (no base
   * version: it never conflicts). Folded into the record's last op when that is an unsent increment (deltas summed)
   * or an unsent create (added to its data); never into an op that was ever sent.
   */
  increment(collection, id, deltas, at) {
    return this.run('readwrite', (tx) => this.incrementIn(tx, collection, id, deltas, at, null));
  }

  async incrementIn(tx, collection, id, deltas, at, group) {
    const current = await this.view(tx, collection, id);
    if (!current) throw noSuchRecord(collection, id);
    for (const field of Object.keys(deltas)) {
      const value = current.data[field];
      if (value != null && typeof value !== 'number') {
        throw new TypeError(`cannot increment ${collection}/${id}: its field "${field}" holds `
          + `${JSON.stringify(value)}, not a number`);
      }
    }
    this.catalog?.check(collection, id, 'increment', addDeltas(current.data, deltas)); // the resulting record
    const tail = (await tx.opsOf(collection, id)).at(-1);
    if (foldable(tail, group) && sameVersion(tail, this.versionOf(collection))
        && (tail.type === 'create' || tail.type === 'increment')) {
      tx.put('ops', { ...tail, data: addDeltas(tail.data, deltas), clientTs: at });
    } else {
      refuseSecondOpInGroup(tail, group, collection, id);
      tx.put('ops', {
        opId: await this.nextOpId(tx), type: 'increment', collection, recordId: id, temp: false,
        baseVersion: await this.serverVersion(tx, collection, id), data: copy(deltas), clientTs: at,
        state: 'pending', sent: false, error: null, conflict: null, group,
        schemaVersion: this.versionOf(collection),
      });
    }
    await this.refreshView(tx, collection, id);
    return this.view(tx, collection, id);
  }

  /** Deletes a record locally and queues the delete (a create that never left the device is simply dropped). */
  delete(collection, id, at) {
    return this.run('readwrite', (tx) => this.deleteIn(tx, collection, id, at, null));
  }

  async deleteIn(tx, collection, id, at, group) {
    if (!(await this.view(tx, collection, id))) throw noSuchRecord(collection, id);
    this.catalog?.check(collection, id, 'delete', null);
    const tail = (await tx.opsOf(collection, id)).at(-1);
    if (foldable(tail, group) && tail.type === 'create' && (await this.serverVersion(tx, collection, id)) === 0) {
      tx.del('ops', tail.opId);
    } else if (foldable(tail, group) && tail.type === 'update') {
      // the patch goes: the delete is this app's write, in its version
      tx.put('ops', { ...tail, type: 'delete', data: null, clientTs: at, schemaVersion: this.versionOf(collection) });
    } else {
      refuseSecondOpInGroup(tail, group, collection, id);
      tx.put('ops', {
        opId: await this.nextOpId(tx), type: 'delete', collection, recordId: id, temp: false,
        baseVersion: await this.serverVersion(tx, collection, id), data: null, clientTs: at,
        state: 'pending', sent: false, error: null, conflict: null, group,
        schemaVersion: this.versionOf(collection),
      });
    }
    await this.refreshView(tx, collection, id);
  }

  async serverVersion(tx, collection, id) {
    const rec = await tx.get('records', [collection, id]);
    return rec ? rec.serverVersion : 0;
  }

  // ------------------------------------------------------------------------------------------- reads

  async view(tx, collection, id) {
    const [rec, ops] = await Promise.all([tx.get('records', [collection, id]), tx.opsOf(collection, id)]);
    if (!rec || !visible(rec)) return null;
    return toRecord(rec, ops.some((op) => LIVE_NOW.has(op.state)));
  }

  get(collection, id) {
    return this.run('readonly', (tx) => this.view(tx, collection, id));
  }

  /** Visible records of a collection whose top-level fields equal the filter's values, by id. */
  list(collection, filter = {}) {
    return this.run('readonly', (tx) => this.listIn(tx, collection, filter), 'relaxed');
  }

  async listIn(tx, collection, filter) {
    const pending = new Set();
    for (const state of LIVE_NOW) {
      for (const op of await tx.opKeysIn(state)) {
        if (op.collection === collection) pending.add(op.recordId);
      }
    }
    const conditions = Object.entries(filter);
    const rows = await tx.recordsIn(collection);
    const out = [];
    for (const rec of rows) {
      if (!visible(rec)) continue;
      const data = rec.local ? rec.localData : rec.serverData;
      if (conditions.every(([field, value]) => (value === null ? data?.[field] == null : data?.[field] === value))) {
        out.push(toRecord(rec, pending.has(rec.id)));
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  // ------------------------------------------------------------------------------------------- queue

  /** Counts of ops by state. */
  counts() {
    return this.run('readonly', async (tx) => {
      const counts = {};
      for (const state of ['pending', 'syncing', 'synced', 'conflict', 'failed']) {
        counts[state] = await tx.countIn(state);
      }
      return counts;
    });
  }

  /** The ops in the given states, by opId, as the public QueuedOperation shape. */
  ops(states) {
    return this.run('readonly', async (tx) => {
      const all = [];
      for (const state of states) all.push(...(await tx.opsIn(state)));
      return all.sort((a, b) => a.opId - b.opId).map(toQueued);
    });
  }

  /**
   * The next pending ops in opId order (at most `limit`, opId ≤ `maxOpId`), marked syncing. The batch ends before a
   * second op of the same record: the later op's baseVersion is known only once the earlier one is answered. An op
   * group goes whole into one batch: the batch ends before a group that does not fit behind what it holds; a group
   * larger than `limit` goes alone.
   */
  takeBatch(limit, maxOpId) {
    return this.run('readwrite', async (tx) => {
      const batch = [];
      const keys = new Set();
      // read ahead by the largest group (a transaction's limit); a group's ops are contiguous by opId
      const read = (await tx.opsIn('pending', limit + MAX_GROUP)).filter((op) => op.opId <= maxOpId);
      const key = (op) => `${op.collection}\u0000${op.recordId}`;
      for (let i = 0; i < read.length;) {
        // the next unit: one ungrouped op, or all of a group's pending ops
        let end = i + 1;
        const group = read[i].group ?? null;
        while (group !== null && end < read.length && read[end].group === group) end++;
        const unit = read.slice(i, end);
        if (unit.some((op) => keys.has(key(op))) || (batch.length > 0 && batch.length + unit.length > limit)) break;
        unit.forEach((op) => keys.add(key(op)));
        batch.push(...unit);
        if (batch.length >= limit) break;
        i = end;
      }
      batch.forEach((op) => tx.put('ops', { ...op, state: 'syncing', sent: true }));
      return batch;
    });
  }

  /** A push that got no answer: its ops go back to pending, to be sent again. */
  releaseBatch(batch) {
    return this.run('readwrite', async (tx) => {
      for (const { opId } of batch) {
        const op = await tx.get('ops', opId);
        if (op && op.state === 'syncing') await tx.put('ops', { ...op, state: 'pending' });
      }
    });
  }

  /**
   * Stores the answers of one push in one transaction: op states, the server's state of each record, temporary ids
   * replaced everywhere, baseVersions of later ops of the same record moved to the answered version, views. Ops of
   * the batch without an answer go back to pending.
   */
  applyPushResults(batch, results, references) {
    return this.run('readwrite', async (tx) => {
      const byId = new Map(batch.map((op) => [op.opId, op]));
      const outcome = { applied: 0, merged: 0, conflicts: 0, rejected: 0, newConflicts: [], touched: new Touched() };
      const views = new Set();
      const answers = [];
      for (const result of results || []) {
        const op = byId.get(Number(result.opId));
        if (!op || !['applied', 'merged', 'conflict', 'rejected'].includes(result.status)) continue; // unknown: again
        byId.delete(op.opId);
        answers.push([op, result]);
      }
      // a temporary id named by the server is replaced everywhere first (other records and ops refer to it) ...
      for (const [op, result] of answers) {
        if (op.temp && result.id != null && String(result.id) !== op.recordId) {
          await this.remapTempId(tx, op.collection, op.recordId, String(result.id), references, outcome.touched, views);
        }
      }
      // ... then each answer touches its own record and ops only: stored side by side, not one after the other
      await Promise.all(answers.map(([op, result]) => this.storeAnswer(tx, op, result, outcome, views)));
      for (const op of byId.values()) {
        tx.get('ops', op.opId).then((stored) => {
          if (stored && stored.state === 'syncing') tx.put('ops', { ...stored, state: 'pending' });
        });
      }
      const confirmed = await tx.confirmedOpId();
      await Promise.all([...views].map((key) => {
        const [collection, id] = key.split('\u0000');
        return this.refreshView(tx, collection, id, confirmed);
      }));
      return outcome;
    });
  }

  /** One push answer: the op's state, the record's server state, later ops' baseVersion. */
  async storeAnswer(tx, op, result, outcome, views) {
    const { collection } = op;
    const id = op.temp && result.id != null ? String(result.id) : op.recordId;
    const status = result.status;
    const version = Number(result.version || 0);
    const stored = await tx.get('ops', op.opId);
    if (status === 'applied' || status === 'merged') {
      outcome[status] += 1;
      // the version the answer produced: once the server state held is at it or later, the op is in that state
      const appliedVersion = version > 0 ? version : null;
      tx.put('ops', { ...stored, recordId: id, temp: false, state: 'synced', appliedVersion });
      let serverData = isPlainObject(result.data) ? result.data : null;
      if (serverData === null && op.type !== 'delete') {
        const held = op.type === 'create' ? null : (await tx.get('records', [collection, id]))?.serverData ?? null;
        serverData = op.type === 'create' ? stored.data
          : op.type === 'increment' ? addDeltas(held, stored.data) : applyPatch(held, stored.data);
      }
      await this.setServerState(tx, collection, id, version, op.type === 'delete', serverData);
      for (const later of await tx.opsOf(collection, id)) {
        if (later.opId > op.opId && later.state === 'pending') tx.put('ops', { ...later, baseVersion: version });
      }
    } else if (status === 'conflict') {
      outcome.conflicts += 1;
      const c = result.conflict || {};
      const deleted = result.deleted === true || !isPlainObject(result.data);
      const conflict = {
        opId: op.opId, type: op.type, collection, id, baseVersion: op.baseVersion,
        serverData: deleted ? null : result.data, serverVersion: version, serverDeleted: deleted,
        localAttempt: stored.data, fields: Array.isArray(c.fields) ? c.fields.map(String) : [],
        strategy: c.strategy ?? null, conflictId: c.conflictId ?? null, reason: c.reason ?? null,
      };
      tx.put('ops', { ...stored, recordId: id, state: 'conflict', conflict });
      if (version > 0) await this.setServerState(tx, collection, id, version, deleted, conflict.serverData);
      outcome.newConflicts.push(conflict);
    } else {
      outcome.rejected += 1;
      const e = result.error || {};
      const error = {
        code: e.code || 'invalid_operation',
        message: e.message || '',
        fields: (e.fields || []).map((f) => (typeof f === 'string'
          ? { field: f, message: '' } : { field: String(f.field ?? ''), message: String(f.message ?? '') })),
      };
      tx.put('ops', { ...stored, recordId: id, state: 'failed', error });
    }
    views.add(`${collection}\u0000${id}`);
    outcome.touched.add(collection, id);
  }

  /** The server's state of a record, unless the store knows a newer version already. */
  async setServerState(tx, collection, id, version, deleted, data) {
    const rec = await tx.get('records', [collection, id]);
    if (rec && version < rec.serverVersion) return;
    tx.put('records', {
      ...(rec || { collection, id, local: 0, localData: null, localDeleted: false }),
      serverVersion: version, serverDeleted: deleted, serverData: deleted ? null : copy(data),
    });
  }

  /** Replaces a temporary id by the server's id: the record, its ops, and reference fields that hold it. */
  async remapTempId(tx, collection, tempId, realId, references, touched, views) {
    const rec = await tx.get('records', [collection, tempId]);
    await tx.del('records', [collection, tempId]);
    if (rec) await tx.put('records', { ...rec, id: realId });
    for (const op of await tx.opsOf(collection, tempId)) {
      await tx.put('ops', { ...op, recordId: realId, temp: false });
    }
    for (const [other, fields] of Object.entries(references || {})) {
      for (const [field, target] of Object.entries(fields)) {
        if (target !== collection) continue;
        for (const row of await tx.recordsIn(other)) {
          let changed = false;
          for (const column of ['serverData', 'localData']) {
            if (row[column] && row[column][field] === tempId) {
              row[column] = { ...row[column], [field]: realId };
              changed = true;
            }
          }
          if (changed) {
            await tx.put('records', row);
            touched.add(other, row.id);
          }
        }
        for (const state of ['pending', 'syncing', 'conflict', 'failed']) {
          for (const op of await tx.opsIn(state)) {
            if (op.collection === other && op.type !== 'delete' && op.data && op.data[field] === tempId) {
              await tx.put('ops', { ...op, data: { ...op.data, [field]: realId } });
              views.add(`${other}\u0000${op.recordId}`);
            }
          }
        }
      }
    }
    touched.replace(collection, tempId, realId);
  }

  // ------------------------------------------------------------------------------------------- pull

  /**
   * Applies one pull page and stores its cursor in the same transaction (a crash re-pulls the page; applying is
   * idempotent by version). `replace`: the first page of a snapshot (no cursor, or `reset: true`): it replaces the
   * server state held for these collections; records with live local ops are kept. `snapshot`: the page belongs
   * to a snapshot (no cursor, or since a reset) whose first page replaced the server state.
   */
  applyPullPage(changes, replace, collections, cursorKey, cursor, snapshot = false) {
    return this.run('readwrite', async (tx) => {
      const touched = new Touched();
      if (replace) {
        for (const collection of collections) {
          const rows = await tx.recordKeysIn(collection);
          rows.filter((row) => !row.local).forEach((row) => tx.del('records', [collection, row.id]));
          touched.all(collection);
        }
      }
      const confirmed = await tx.confirmedOpId();
      // In a snapshot the store holds, besides records with local ops, only what earlier pages of it brought, and a
      // snapshot names each record once: the other records need not be read first.
      const localKeys = snapshot ? new Set((await tx.localRecordKeys())
        .map((r) => `${r.collection}\u0000${r.id}`)) : null;
      // a page names each record once: its changes are stored side by side
      await Promise.all(changes.map(async (change) => {
        const key = [change.collection, change.id];
        const rec = localKeys && !localKeys.has(`${change.collection}\u0000${change.id}`) ? null
          : await tx.get('records', key);
        if (change.deleted) {
          if (rec && rec.serverVersion <= change.version) {
            if (rec.local) {
              tx.put('records', { ...rec, serverVersion: change.version, serverDeleted: true, serverData: null });
            } else {
              tx.del('records', key);
            }
          }
        } else if (!rec) {
          tx.put('records', {
            collection: change.collection, id: change.id, serverVersion: change.version, serverDeleted: false,
            serverData: change.data, local: 0, localData: null, localDeleted: false,
          });
        } else if (change.version >= rec.serverVersion) {
          tx.put('records', { ...rec, serverVersion: change.version, serverDeleted: false, serverData: change.data });
        }
        if (!replace) touched.add(change.collection, change.id);
        if (rec && rec.local) await this.refreshView(tx, change.collection, change.id, confirmed);
      }));
      tx.setMeta(cursorKey, cursor);
      return touched;
    }, 'relaxed');
  }

  /**
   * After a complete pull: synced ops at or below `lastProcessedOpId` are part of the pulled state and leave the
   * queue; the views of their records are rebuilt without them. So are the views of records with pending or syncing
   * increments at or below it: the server processed them (their answer was lost), the pulled state has their delta.
   */
  confirm(lastProcessedOpId) {
    return this.run('readwrite', async (tx) => {
      const touched = new Touched();
      const keys = new Map();
      for (const op of await tx.opsIn('synced')) {
        if (op.opId > lastProcessedOpId) continue;
        tx.del('ops', op.opId);
        keys.set(`${op.collection}\u0000${op.recordId}`, [op.collection, op.recordId]);
      }
      for (const state of LIVE_NOW) {
        for (const op of await tx.opsIn(state)) {
          if (op.type === 'increment' && op.opId <= lastProcessedOpId) {
            keys.set(`${op.collection}\u0000${op.recordId}`, [op.collection, op.recordId]);
          }
        }
      }
      tx.setMeta('confirmed_op_id', lastProcessedOpId);
      await Promise.all([...keys.values()].map(([collection, id]) => {
        touched.add(collection, id);
        return this.refreshView(tx, collection, id, lastProcessedOpId);
      }));
      return touched;
    });
  }

  // ------------------------------------------------------------------------------------------- op lists

  async finalOp(tx, opId) {
    const op = await tx.get('ops', opId);
    return op && (op.state === 'conflict' || op.state === 'failed') ? op : null;
  }

  /**
   * Removes a conflict or failed op; its record shows the server's state. An op of an op group goes with its
   * group's other conflict and failed ops (the group failed as one unit). The discarded ops (none: []).
   */
  discard(opId) {
    return this.run('readwrite', async (tx) => {
      const op = await this.finalOp(tx, opId);
      if (!op) return [];
      const unit = op.group == null ? [op] : [...await tx.opsIn('failed'), ...await tx.opsIn('conflict')]
        .filter((o) => o.group === op.group).sort((a, b) => a.opId - b.opId);
      for (const o of unit) {
        await tx.del('ops', o.opId);
        await this.refreshView(tx, o.collection, o.recordId);
      }
      return unit.map(toQueued);
    });
  }

  /** The open conflict op with this server conflict id, or null. */
  async conflictOp(conflictId) {
    return (await this.ops(['conflict'])).find((op) => op.conflict?.conflictId === conflictId) ?? null;
  }

  /**
   * Queues a conflict or failed op again as a new op (new opId) on the version the store now holds; `data` replaces
   * its data, undefined keeps it. A create of a record the server has becomes an update; an update of a record the
   * server deleted becomes a create. The old op leaves the lists. The new opId, or null. Edited `data` is checked
   * against the served collection rules first (SyncRequestError; the op stays as it was).
   */
  requeue(opId, data, at) {
    return this.run('readwrite', async (tx) => {
      const op = await this.finalOp(tx, opId);
      if (!op) return null;
      let payload = data !== undefined && data !== null ? copy(data) : op.data;
      const rec = await tx.get('records', [op.collection, op.recordId]);
      const base = rec ? rec.serverVersion : 0;
      const onServer = base > 0 && !rec.serverDeleted;
      let type = op.type;
      if (type === 'create' && onServer) {
        type = 'update';
      } else if (type === 'update' && !onServer) {
        type = 'create';
        payload = applyPatch(null, payload);
      } else if (type === 'delete' && !onServer) {
        await tx.del('ops', opId);
        await this.refreshView(tx, op.collection, op.recordId);
        return opId;
      }
      if (data !== undefined && data !== null) {
        // edited by the app: checked as a new write is (an op re-applied as it was is left to the server)
        const held = onServer ? rec.serverData : null;
        const result = type === 'create' ? payload : type === 'update' ? applyPatch(held, payload)
          : type === 'increment' ? addDeltas(held, payload) : null;
        this.catalog?.check(op.collection, op.recordId, type, result);
      }
      const newOpId = await this.nextOpId(tx);
      await tx.del('ops', opId);
      await tx.put('ops', {
        opId: newOpId, type, collection: op.collection, recordId: op.recordId, temp: op.temp,
        baseVersion: type === 'create' ? 0 : base, data: type === 'delete' ? null : payload, clientTs: at,
        state: 'pending', sent: false, error: null, conflict: null,
        // its own data keeps the version it was written in; edited data is this app's write, in its version
        schemaVersion: data !== undefined && data !== null ? this.versionOf(op.collection)
          : (op.schemaVersion ?? null),
      });
      await this.refreshView(tx, op.collection, op.recordId);
      return newOpId;
    });
  }

  // ------------------------------------------------------------------------------------------- views

  /** Rebuilds a record's view: server state with its live ops applied; a record with neither is removed. */
  async refreshView(tx, collection, id, confirmedOpId) {
    const [confirmed, ops, rec] = await Promise.all([confirmedOpId ?? tx.confirmedOpId(), tx.opsOf(collection, id),
      tx.get('records', [collection, id])]);
    const live = ops.filter((op) => LIVE_NOW.has(op.state) || (op.state === 'synced' && op.opId > confirmed))
      .sort((a, b) => a.opId - b.opId);
    const serverVersion = rec ? rec.serverVersion : 0;
    const serverDeleted = rec ? rec.serverDeleted : false;
    if (live.length === 0) {
      if (!rec) return;
      if (serverVersion === 0 || serverDeleted) {
        tx.del('records', [collection, id]);
      } else if (rec.local) {
        tx.put('records', { ...rec, local: 0, localData: null, localDeleted: false });
      }
      return;
    }
    let view = serverDeleted || !rec ? null : rec.serverData;
    let deleted = serverVersion > 0 && serverDeleted;
    for (const op of live) {
      if (contained(op, serverVersion, confirmed)) continue; // its effect is in the server state: never twice
      if (op.type === 'create') {
        view = copy(op.data);
        deleted = false;
      } else if (op.type === 'update') {
        view = applyPatch(view, op.data);
      } else if (op.type === 'increment') {
        if (view !== null && !deleted) view = addDeltas(view, op.data); // on a gone record: rejected, no effect
      } else {
        view = null;
        deleted = true;
      }
    }
    tx.put('records', {
      ...(rec || { collection, id, serverVersion: 0, serverDeleted: false, serverData: null }),
      local: 1, localData: view, localDeleted: deleted,
    });
  }
}

/**
 * `data` with each delta added to its top-level field (missing or null counts as 0; a field that holds something
 * other than a number is left as it is: the server rejects such an increment). Neither argument is changed.
 */
export function addDeltas(data, deltas) {
  const result = isPlainObject(data) ? copy(data) : {};
  for (const [field, delta] of Object.entries(deltas || {})) {
    const value = result[field];
    if (value == null) result[field] = delta;
    else if (typeof value === 'number') result[field] = addNumbers(value, delta);
  }
  return result;
}

/**
 * a + b as Numbers, without the binary noise of decimals: when either is not an integer, the sum is rounded to the
 * larger count of decimal places of the two as JavaScript writes them (0.1 + 0.2 is 0.3, 2.5 - 0.25 is 2.25).
 * Integers add as they are (exact up to 2^53). The server's arithmetic is exact; its answer replaces this value.
 */
export function addNumbers(a, b) {
  const sum = a + b;
  if (Number.isInteger(a) && Number.isInteger(b)) return sum;
  const places = Math.max(decimalPlaces(a), decimalPlaces(b));
  if (!Number.isFinite(sum) || places > 100 || Math.abs(sum) >= 1e21) return sum;
  return Number(sum.toFixed(places));
}

function decimalPlaces(n) {
  const [mantissa, exponent] = String(n).toLowerCase().split('e');
  const dot = mantissa.indexOf('.');
  const fraction = dot < 0 ? 0 : mantissa.length - dot - 1;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

function visible(rec) {
  return rec.local ? !rec.localDeleted : !rec.serverDeleted;
}

function toRecord(rec, pending) {
  return {
    collection: rec.collection, id: rec.id, data: (rec.local ? rec.localData : rec.serverData) ?? {},
    version: rec.serverVersion, pending,
  };
}

function toQueued(op) {
  return {
    opId: op.opId, type: op.type, collection: op.collection, id: op.recordId, temporaryId: !!op.temp,
    baseVersion: op.baseVersion, data: op.data ?? null, clientTimestamp: op.clientTs, state: op.state,
    error: op.error ?? null, conflict: op.conflict ?? null, group: op.group ?? null,
    schemaVersion: op.schemaVersion ?? null,
  };
}

function noSuchRecord(collection, id) {
  return new Error(`no record ${collection}/${id} in the local store`);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
