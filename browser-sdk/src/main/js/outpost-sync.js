// The Outpost browser SDK: local-first records in IndexedDB, an operation queue, and sync with an Outpost server.
// Types: outpost-sync.d.ts. Guide: docs/browser-sdk.md. Algorithm (shared with the Java SDK): docs/sync-algorithm.md.

import { LocalStore } from './internal/store.js';
import { HttpTransport, TransportError, passwordSignIn } from './internal/transport.js';
import { SyncEngine } from './internal/engine.js';
import { SyncRunner, checkInterval, MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS } from './internal/runner.js';
import { isObject } from './internal/merge-patch.js';
import { CollectionCatalog, COLLECTIONS_KEY } from './internal/schemas.js';
import { SyncRequestError } from './internal/errors.js';
import { indexedDbStorage } from './storage/indexeddb.js';
import { clone, randomUuid } from './internal/platform.js';

export { MIN_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS, SyncRequestError, indexedDbStorage };

const COLLECTION = /^[a-z][a-z0-9_]{0,62}$/;

async function call(work) {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TransportError) throw new SyncRequestError(e.error);
    throw e;
  }
}

/**
 * Signs in with a password (`POST /auth/token`); the access token. `timeoutMs` (default 30 s): no answer within it is
 * an `offline` error.
 */
export function signIn(baseUrl, username, password, { timeoutMs = 30000 } = {}) {
  return call(() => passwordSignIn(baseUrl, username, password, timeoutMs));
}

/** The default conflict handler: keep the server's state, except parked (manual) conflicts, which stay open. */
const defaultConflictHandler = (conflict) => (conflict.conflictId ? 'leave-open' : 'keep-server');

export class SyncClient {
  /** Use `openSyncClient(options)`. */
  constructor(parts) {
    Object.assign(this, parts);
    this.statusListeners = new Set();
    this.dataListeners = new Set();
    this.closed = false;
    this.wiped = false;
  }

  /** Throws when the client was closed (its store is closed, or deleted by wipeLocalData). */
  checkOpen() {
    if (this.closed) {
      throw new Error(`the SyncClient is closed${this.wiped ? ': its local data was wiped (wipeLocalData)' : ''}`);
    }
  }

  /**
   * What the server said about a collection (`GET /api/v1/collections`, contract v1.2), as last fetched (on open,
   * on every sync; kept in the store): {schema?, counters?, derived?, idMode, visibility, references?, appendOnly,
   * canWrite, ...}; null when it is not known (not fetched yet, or not declared on the server).
   */
  collectionRules(collection) {
    const rules = this.catalog.rules(collection);
    return rules === null ? null : clone(rules);
  }

  get deviceId() {
    return this.store.deviceId;
  }

  records(collection) {
    const store = this.store;
    return this.handle(collection, {
      create: (...args) => store.create(collection, ...args),
      update: (...args) => store.update(collection, ...args),
      increment: (...args) => store.increment(collection, ...args),
      delete: (...args) => store.delete(collection, ...args),
      get: (id) => store.get(collection, id),
      list: (filter) => store.list(collection, filter),
      wrote: (id) => this.wrote(collection, id),
    });
  }

  /**
   * Runs `work(tx)`, whose writes through `tx.records(collection)` are one local transaction queued as one op group
   * (contract v1.2): sent in one push, applied by the server all or nothing. The writes are staged and committed in
   * one IndexedDB transaction when `work` is done (it may await anything); if it throws, nothing is written and the
   * promise rejects with its error. Inside it a record changes once: writes of one record fold into one op, a write
   * that cannot fold throws; at most 1000 ops. Listeners hear of the writes after the commit. Resolves to work's
   * result.
   */
  async transaction(work) {
    this.checkOpen();
    if (typeof work !== 'function') throw new TypeError('transaction needs a function: tx => { ... }');
    const staging = this.store.stage(`g-${randomUuid()}`);
    const tx = {
      records: (collection) => this.handle(collection, {
        create: (...args) => staging.write('create', [collection, ...args]),
        update: (...args) => staging.write('update', [collection, ...args]),
        increment: (...args) => staging.write('increment', [collection, ...args]),
        delete: (...args) => staging.write('delete', [collection, ...args]).then(() => undefined),
        get: (id) => staging.queue((overlay) => this.store.view(overlay, collection, id)),
        list: (filter) => staging.queue((overlay) => this.store.listIn(overlay, collection, filter)),
        wrote: () => {},
      }),
    };
    let result;
    try {
      result = await work(tx);
    } catch (e) {
      staging.abandon();
      throw e;
    }
    const written = await staging.commit();
    if (written.length > 0) {
      const ids = new Map();
      for (const [collection, id] of written) {
        if (!ids.has(collection)) ids.set(collection, []);
        ids.get(collection).push(id);
      }
      const changes = [...ids].map(([collection, list]) => ({ collection, ids: list }));
      this.emitData(changes, 'local');
      this.runner.broadcast({ type: 'data', changes, origin: 'local' });
      this.runner.publish();
      this.runner.localWrite();
    }
    return result;
  }

  /** The Records API of a collection over `backend` (the store, or a transaction's staging). */
  handle(collection, backend) {
    const options = this.collections.get(collection);
    if (!options) throw new Error(`collection "${collection}" is not one of this client's collections`);
    const open = () => this.checkOpen();
    return {
      async create(id, data) {
        open();
        requireObject(data, 'data');
        let temp = false;
        if (id == null) {
          if (!options.serverIds) throw new TypeError(`an id is required: "${collection}" does not use server ids`);
          id = `tmp-${randomUuid()}`;
          temp = true;
        }
        requireId(id);
        const record = await backend.create(id, temp, data, now());
        backend.wrote(id);
        return record;
      },
      async update(id, patch) {
        open();
        requireId(id);
        requireObject(patch, 'patch');
        const record = await backend.update(id, patch, now());
        backend.wrote(id);
        return record;
      },
      async increment(id, deltas) {
        open();
        requireId(id);
        requireDeltas(deltas);
        const record = await backend.increment(id, deltas, now());
        backend.wrote(id);
        return record;
      },
      async delete(id) {
        open();
        requireId(id);
        await backend.delete(id, now());
        backend.wrote(id);
      },
      async get(id) {
        open();
        requireId(id);
        return backend.get(id);
      },
      async list(filter = {}) {
        open();
        requireObject(filter, 'filter');
        return backend.list(filter);
      },
    };
  }

  /** After a local write: tell listeners and other tabs, update the badge, sync soon. */
  wrote(collection, id) {
    this.changed({ collection, id });
    this.runner.localWrite();
  }

  /** A local change to a record (a write, a discarded or re-queued op): listeners, other tabs, the badge. */
  changed({ collection, id }) {
    const changes = [{ collection, ids: [id] }];
    this.emitData(changes, 'local');
    this.runner.broadcast({ type: 'data', changes, origin: 'local' });
    this.runner.publish();
  }

  syncNow() {
    return this.runner.sync();
  }

  status() {
    return this.runner.status();
  }

  subscribe(listener) {
    this.statusListeners.add(listener);
    safely(listener, this.status());
    return () => this.unsubscribe(listener);
  }

  unsubscribe(listener) {
    this.statusListeners.delete(listener);
  }

  onChange(listener, collection) {
    const entry = { listener, collection };
    this.dataListeners.add(entry);
    return () => this.dataListeners.delete(entry);
  }

  emitStatus(status) {
    for (const listener of [...this.statusListeners]) safely(listener, status);
  }

  /** Tells data listeners; `fromOtherTab`: the change came over the BroadcastChannel (do not send it back). */
  emitData(changes, origin, fromOtherTab = false) {
    if (!changes || changes.length === 0) return;
    if (!fromOtherTab && origin === 'sync') this.runner?.broadcast({ type: 'data', changes, origin });
    for (const change of changes) {
      for (const { listener, collection } of [...this.dataListeners]) {
        if (collection === undefined || collection === change.collection) {
          safely(listener, { ...change, replacedIds: { ...change.replacedIds }, origin });
        }
      }
    }
  }

  setAutoSync(enabled, intervalSeconds) {
    return this.runner.setAutoSync(enabled, intervalSeconds);
  }

  pendingOps() {
    return this.store.ops(['pending', 'syncing']);
  }

  failedOps() {
    return this.store.ops(['failed']);
  }

  conflictedOps() {
    return this.store.ops(['conflict']);
  }

  /** Discards a conflict or failed op (one of an op group: the group's other conflict and failed ops too). */
  async discard(opId) {
    const ops = await this.store.discard(opId);
    ops.forEach((op) => this.changed(op));
    return ops.length > 0;
  }

  async requeue(opId, data) {
    if (data !== undefined && data !== null) requireObject(data, 'data');
    const op = (await this.store.ops(['conflict', 'failed'])).find((o) => o.opId === opId);
    const next = await this.store.requeue(opId, data, now());
    if (next !== null && op) {
      this.changed(op);
      this.runner.localWrite();
    }
    return next;
  }

  async resolveConflict(opId, resolution) {
    const op = (await this.store.ops(['conflict'])).find((o) => o.opId === opId);
    if (!op) throw new Error(`no open conflict with opId ${opId}`);
    const conflictId = op.conflict?.conflictId;
    if (conflictId) {
      await this.resolve(conflictId, resolution);
      return;
    }
    if (resolution === 'server') {
      await this.discard(opId);
    } else if (resolution === 'client') {
      await this.requeue(opId);
      this.syncNow().catch(() => {});
    } else if (isObject(resolution) && isObject(resolution.custom)) {
      await this.requeue(opId, resolution.custom);
      this.syncNow().catch(() => {});
    } else {
      throw new TypeError('resolution must be "server", "client" or {custom: data}');
    }
  }

  conflicts() {
    return call(() => this.http.get('conflicts?status=open'));
  }

  async resolve(conflictId, resolution) {
    const body = resolution === 'server' || resolution === 'client' ? { resolution }
      : isObject(resolution) && isObject(resolution.custom) ? { resolution: 'custom', data: resolution.custom } : null;
    if (!body) throw new TypeError('resolution must be "server", "client" or {custom: data}');
    await call(() => this.http.post(`conflicts/${encodeURIComponent(conflictId)}/resolve`, body));
    const op = await this.store.conflictOp(conflictId);
    if (op) (await this.store.discard(op.opId)).forEach((o) => this.changed(o));
    this.syncNow().catch(() => {});
  }

  async close() {
    this.closed = true;
    await this.runner.close();
    this.channel?.close();
    await this.store.close();
    this.statusListeners.clear();
    this.dataListeners.clear();
  }

  /**
   * Deletes everything this client's store holds for its user ("sign out and wipe" on a shared device): records,
   * unsent changes, conflicts, sync positions, the deviceId, the schemas and settings, i.e. the store
   * `<storeName>-<user>` (an IndexedDB database, or what the SQLite adapter's `delete(name)` removes). Unsent changes
   * are lost (check `pendingOps()` first to warn). The client is closed afterwards, and so are the clients of this
   * user in other tabs; `openSyncClient` later starts a new, empty store with a new deviceId. Resolves once the store
   * is deleted.
   */
  async wipeLocalData() {
    const name = this.store.name;
    if (!this.closed) this.runner.broadcast({ type: 'wiped' });
    await this.close();
    this.wiped = true;
    await this.store.storage.delete(name);
  }
}

/** Opens (creating on first use) the user's store and starts the client's triggers. */
export async function openSyncClient(options) {
  const o = validate(options);
  const store = await LocalStore.open(`${o.storeName}-${encodeURIComponent(o.user)}`,
    { encryption: o.encryption, storage: o.storage });
  store.schemaVersions = o.schemaVersions; // every op queued from now on is stamped with its collection's
  const http = new HttpTransport({ baseUrl: o.baseUrl, tokenProvider: o.tokenProvider, timeoutMs: o.timeoutMs });
  // the served collections known from earlier runs: local writes are checked against them, offline too
  const catalog = new CollectionCatalog();
  catalog.versioned = new Set(Object.keys(o.schemaVersions));
  catalog.load(await store.getMeta(COLLECTIONS_KEY));
  store.catalog = catalog;
  const names = [...o.collections.keys()];
  const references = {};
  for (const [name, c] of o.collections) if (c.references) references[name] = c.references;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`outpost:${store.name}`) : null;
  const client = new SyncClient({ store, http, collections: o.collections, user: o.user, channel, catalog });
  const emitData = (changes, origin, fromOtherTab) => client.emitData(changes, origin, fromOtherTab);
  const engine = new SyncEngine({
    store, http, collections: names, references, conflictHandler: o.conflictHandler, emitData,
    pushBatchSize: o.pushBatchSize, pullPageSize: o.pullPageSize, hooks: o.hooks, catalog,
    schemaVersions: o.schemaVersions,
    onRevoked: (old, deviceId) => {
      client.runner.broadcast({ type: 'revoked', deviceId });
      client.runner.restartLive(); // as the new device
    },
  });
  client.runner = new SyncRunner({
    store, engine, http, channel, catalog, lockName: `outpost-sync:${store.name}`,
    triggers: { onStart: o.syncOnStart, afterWriteMs: o.syncAfterWriteMs, onReconnect: o.syncOnReconnect, live: o.liveUpdates },
    backoff: o.backoff, autoSync: o.autoSync,
    streamQuery: () => `sync/stream?deviceId=${encodeURIComponent(store.deviceId)}`
      + `&collections=${encodeURIComponent(names.join(','))}`,
    emitStatus: (status) => client.emitStatus(status), emitData, random: o.random,
    onWiped: () => {
      client.wiped = true;
      client.close().catch(() => {});
    },
  });
  catalog.onRefreshed = () => client.runner.broadcast({ type: 'collections' });
  await client.runner.start();
  // fetched again now when the browser thinks it is online, without waiting for it: offline use starts at once
  if (globalThis.navigator?.onLine !== false) catalog.refresh(http, store).catch(() => {});
  return client;
}

function validate(options) {
  if (!isObject(options)) throw new TypeError('openSyncClient needs an options object');
  const o = { ...options };
  if (!o.tokenProvider && !o.credentials) throw new TypeError('tokenProvider or credentials is required');
  if (o.tokenProvider && o.credentials) throw new TypeError('give tokenProvider or credentials, not both');
  if (o.credentials) {
    const { username, password } = o.credentials;
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new TypeError('credentials need a username and a password');
    }
    o.tokenProvider = () => passwordSignIn(o.baseUrl, username, password, o.timeoutMs);
    o.user ??= username;
  }
  if (typeof o.user !== 'string' || o.user === '') throw new TypeError('user is required (one store per user)');
  if (!Array.isArray(o.collections) || o.collections.length === 0) {
    throw new TypeError('collections: at least one collection is required');
  }
  o.collections = new Map(o.collections.map((c) => {
    const entry = typeof c === 'string' ? { name: c } : c;
    if (!isObject(entry) || typeof entry.name !== 'string' || !COLLECTION.test(entry.name)) {
      throw new TypeError(`collections: "${entry?.name ?? c}" is not a collection name ([a-z][a-z0-9_]{0,62})`);
    }
    return [entry.name, { serverIds: entry.serverIds === true, references: entry.references ?? null }];
  }));
  o.schemaVersions ??= {};
  if (!isObject(o.schemaVersions)) {
    throw new TypeError('schemaVersions must be an object of collection → version, e.g. {patients: 2}');
  }
  o.schemaVersions = { ...o.schemaVersions };
  for (const [name, version] of Object.entries(o.schemaVersions)) {
    if (!o.collections.has(name)) {
      throw new TypeError(`schemaVersions: "${name}" is not one of the collections (${[...o.collections.keys()]
        .join(', ')})`);
    }
    if (!Number.isInteger(version) || version < 1) {
      throw new RangeError(`schemaVersions: the version of "${name}" must be an integer ≥ 1, was ${String(version)}`);
    }
  }
  o.conflictHandler ??= defaultConflictHandler;
  o.autoSync ??= { enabled: true, intervalSeconds: 300 };
  checkInterval(o.autoSync.intervalSeconds);
  o.autoSync = { enabled: o.autoSync.enabled !== false, intervalSeconds: o.autoSync.intervalSeconds };
  o.syncOnStart ??= true;
  o.syncAfterWriteMs ??= 2000;
  o.syncOnReconnect ??= true;
  o.liveUpdates ??= true;
  o.backoff ??= { baseMs: 2000, capMs: 300000 };
  o.timeoutMs ??= 30000;
  o.storeName ??= 'outpost';
  if (o.storage != null && (typeof o.storage.open !== 'function' || typeof o.storage.delete !== 'function')) {
    throw new TypeError('storage must be a storage adapter (indexedDbStorage(), sqliteStorage(...)): open and delete');
  }
  for (const name of ['pushBatchSize', 'pullPageSize']) {
    o[name] ??= 1000;
    if (!Number.isInteger(o[name]) || o[name] < 1 || o[name] > 1000) {
      throw new RangeError(`${name} must be 1–1000, was ${o[name]}`);
    }
  }
  return o;
}

function requireObject(value, name) {
  if (!isObject(value)) throw new TypeError(`${name} must be a JSON object`);
}

/** An increment's deltas: a non-empty object of finite numbers, one per top-level counter field. */
function requireDeltas(deltas) {
  if (!isObject(deltas)) throw new TypeError('deltas must be a JSON object of field → number, e.g. {stock: -2}');
  const entries = Object.entries(deltas);
  if (entries.length === 0) throw new TypeError('deltas must name at least one counter field');
  for (const [field, delta] of entries) {
    if (typeof delta !== 'number' || !Number.isFinite(delta)) {
      const was = typeof delta === 'string' ? JSON.stringify(delta) : String(delta);
      throw new TypeError(`the delta of "${field}" must be a finite number, was ${was}`);
    }
  }
}

function requireId(id) {
  if (typeof id !== 'string' || id === '') throw new TypeError('a record id is a non-empty string');
}

function now() {
  return new Date().toISOString();
}

function safely(listener, value) {
  try {
    listener(value);
  } catch (e) {
    console.error('outpost: a listener threw', e);
  }
}
