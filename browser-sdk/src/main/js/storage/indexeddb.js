// The IndexedDB storage adapter (the browser's default): one database per store name with the object stores `meta`
// (keyPath key), `records` (keyPath [collection, id], indexes byCollection and local) and `ops` (keyPath opId,
// indexes byRecord [collection, recordId] and byState). An adapter is {kind, open(name) → connection, delete(name)};
// a connection {keepsCryptoKeys, run(mode, work, durability) → work's result after the commit, close()}; `work`
// gets a transaction with the methods of `IdbTx` below (storage/sqlite.js has the same).

const SCHEMA_VERSION = 1;
/** A request on `meta` that finds nothing: what keeps a transaction active while WebCrypto works. */
const KEEP_ALIVE = '\u0000keep-alive';

/** Marks a promise as handled (its failure surfaces as the transaction's), and returns it. */
function handled(promise) {
  promise.catch(() => {});
  return promise;
}

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** One IndexedDB transaction with promise-returning helpers (await only these inside it). */
class IdbTx {
  constructor(tx) {
    this.tx = tx;
    this.meta = tx.objectStore('meta');
    this.records = tx.objectStore('records');
    this.ops = tx.objectStore('ops');
    this.waiting = new Set();
    this.spinning = false;
  }
  get(store, key) {
    return request(this[store].get(key));
  }
  /**
   * Writes need not be awaited: the requests of one transaction run in the order they were made (a later read sees
   * the write), and a failed one aborts the transaction, which `run` reports.
   */
  put(store, value) {
    return handled(request(this[store].put(value)));
  }
  del(store, key) {
    return handled(request(this[store].delete(key)));
  }
  async getMeta(key) {
    const row = await request(this.meta.get(key));
    return row ? row.value : null;
  }
  setMeta(key, value) {
    return handled(value == null ? request(this.meta.delete(key)) : request(this.meta.put({ key, value })));
  }
  async confirmedOpId() {
    return Number((await this.getMeta('confirmed_op_id')) ?? 0);
  }
  opsOf(collection, id) {
    return request(this.ops.index('byRecord').getAll([collection, id]));
  }
  opsIn(state, count) {
    return request(this.ops.index('byState').getAll(state, count));
  }
  recordsIn(collection) {
    return request(this.records.index('byCollection').getAll(collection));
  }
  /** The ops in `state` with their clear fields only (opId, collection, recordId, state, group, ...). */
  opKeysIn(state) {
    return this.opsIn(state);
  }
  /** Rows as stored (an encrypted store's sealed): only their clear fields are used. */
  recordKeysIn(collection) {
    return this.recordsIn(collection);
  }
  localRecordKeys() {
    return request(this.records.index('local').getAll(1));
  }
  countIn(state) {
    return request(this.ops.index('byState').count(state));
  }
  /** Empties meta, records and ops. */
  clear() {
    this.records.clear();
    this.ops.clear();
    this.meta.clear();
  }
  abort() {
    try {
      this.tx.abort();
    } catch {
      // already over
    }
  }

  /**
   * `promise` (WebCrypto) awaited with the transaction kept active; resolves inside an IndexedDB callback. WebCrypto
   * is not an IndexedDB request, so awaiting it would let the transaction commit half-way: while any of it runs, one
   * cheap request stays in flight and its callers resume inside that request's callback.
   */
  alive(promise) {
    return new Promise((resolve, reject) => {
      const entry = { done: false, ok: true, value: undefined, resolve, reject };
      promise.then((v) => {
        entry.done = true;
        entry.value = v;
      }, (e) => {
        entry.done = true;
        entry.ok = false;
        entry.value = e;
      });
      this.waiting.add(entry);
      this.spin();
    });
  }

  spin() {
    if (this.spinning) return;
    this.spinning = true;
    const stop = (error) => {
      this.spinning = false;
      for (const e of this.waiting) e.reject(error);
      this.waiting.clear();
    };
    const tick = () => {
      for (const e of this.waiting) {
        if (!e.done) continue;
        this.waiting.delete(e);
        if (e.ok) e.resolve(e.value);
        else e.reject(e.value);
      }
      if (this.waiting.size === 0) {
        this.spinning = false;
        return;
      }
      try {
        const r = this.meta.get(KEEP_ALIVE);
        r.onsuccess = tick;
        r.onerror = () => stop(r.error);
      } catch (e) {
        stop(e); // the transaction is over (aborted)
      }
    };
    tick();
  }
}

class IdbConnection {
  constructor(db, name) {
    this.db = db;
    this.name = name;
    // another tab upgrading the schema: let it, this tab's store stops working until it is reloaded
    db.onversionchange = () => db.close();
  }

  /** IndexedDB's structured clone keeps a CryptoKey (a device key) as it is, non-extractable. */
  get keepsCryptoKeys() {
    return true;
  }

  /** Runs `work(tx)` in one transaction over all stores; resolves after the commit with work's result. */
  async run(mode, work, durability = 'strict') {
    const tx = this.db.transaction(['meta', 'records', 'ops'], mode, { durability });
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new DOMException('the local transaction was aborted', 'AbortError'));
    });
    const idbTx = new IdbTx(tx);
    let result;
    try {
      result = await work(idbTx);
    } catch (e) {
      idbTx.abort();
      await done.catch(() => {});
      throw e;
    }
    await done;
    return result;
  }

  close() {
    this.db.close();
  }
}

/**
 * The browser's storage: one IndexedDB database per store (`<storeName>-<user>`). `blockedMs`: how long `delete`
 * waits for other tabs' connections to close before it rejects (the database is deleted once they close).
 */
export function indexedDbStorage({ blockedMs = 10000 } = {}) {
  return {
    kind: 'indexeddb',
    async open(name) {
      const open = indexedDB.open(name, SCHEMA_VERSION);
      open.onupgradeneeded = (event) => {
        const db = open.result;
        if (event.oldVersion < 1) {
          db.createObjectStore('meta', { keyPath: 'key' });
          const records = db.createObjectStore('records', { keyPath: ['collection', 'id'] });
          records.createIndex('byCollection', 'collection');
          records.createIndex('local', 'local');
          const ops = db.createObjectStore('ops', { keyPath: 'opId' });
          ops.createIndex('byRecord', ['collection', 'recordId']);
          ops.createIndex('byState', 'state');
        }
      };
      const db = await new Promise((resolve, reject) => {
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
        open.onblocked = () => reject(new Error(`the local store ${name} is held open by an older version of this app`));
      });
      return new IdbConnection(db, name);
    },
    /** Deletes the database; other tabs' connections close on its versionchange event. */
    delete(name) {
      return new Promise((resolve, reject) => {
        const r = indexedDB.deleteDatabase(name);
        let timer = null;
        r.onsuccess = () => {
          clearTimeout(timer);
          resolve();
        };
        r.onerror = () => {
          clearTimeout(timer);
          reject(r.error);
        };
        r.onblocked = () => {
          timer = setTimeout(() => reject(new Error(`the local store ${name} is held open elsewhere (another tab of an `
            + 'older version of this app?); it is deleted once that closes')), blockedMs);
        };
      });
    },
  };
}
