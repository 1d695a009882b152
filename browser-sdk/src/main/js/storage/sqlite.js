// The SQLite storage adapter: the same store as IndexedDB's (meta, records, ops) in three tables of one SQLite
// database per store, for React Native (op-sqlite, expo-sqlite) and Node.js (better-sqlite3). The SDK does not
// depend on any of them: the app opens the database and hands the adapter a driver, `{query(sql, params), close()}`,
// made by one of the small functions below.
//
// One transaction at a time per store: SQLite has one transaction per connection, so the adapter queues them (one
// connection per store name and adapter, shared by the clients of one process that open it). A transaction's
// statements run in the order they are issued, a failed one fails the transaction, which is rolled back as a whole.
// Rows are kept as JSON (binary values, e.g. an encrypted store's sealed bytes, as base64), with the columns the SDK
// looks rows up by beside them.

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS records (collection TEXT NOT NULL, id TEXT NOT NULL, local INTEGER NOT NULL, '
    + 'row TEXT NOT NULL, PRIMARY KEY (collection, id))',
  'CREATE INDEX IF NOT EXISTS records_local ON records (local)',
  'CREATE TABLE IF NOT EXISTS ops (op_id INTEGER PRIMARY KEY, collection TEXT NOT NULL, record_id TEXT NOT NULL, '
    + 'state TEXT NOT NULL, row TEXT NOT NULL)',
  'CREATE INDEX IF NOT EXISTS ops_by_record ON ops (collection, record_id, op_id)',
  'CREATE INDEX IF NOT EXISTS ops_by_state ON ops (state, op_id)',
];
const BYTES = '\u0000bytes';

function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** A row or meta value as JSON; ArrayBuffers and typed arrays as {"\u0000bytes": base64} (read back as Uint8Array). */
function encode(value) {
  return JSON.stringify(value, (key, v) => {
    if (v instanceof ArrayBuffer) return { [BYTES]: toBase64(new Uint8Array(v)) };
    if (ArrayBuffer.isView(v)) return { [BYTES]: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (globalThis.CryptoKey && v instanceof CryptoKey) {
      throw new TypeError('a CryptoKey cannot be kept in a SQLite store');
    }
    return v;
  });
}

/** A stored row or meta value (its JSON text) as the adapter reads it: binary values as Uint8Array. */
export function decodeValue(text) {
  return JSON.parse(text, (key, v) => (v !== null && typeof v === 'object' && typeof v[BYTES] === 'string'
    ? fromBase64(v[BYTES]) : v));
}

const rowsOf = (rows) => rows.map((r) => decodeValue(r.row));

/** Resolves after everything already queued as microtasks (work's un-awaited writes) has run. */
const macrotask = () => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve)
  : setTimeout(resolve, 0)));

/**
 * One SQLite transaction with the store's helpers. Statements are chained: writes need not be awaited (a later read
 * sees them), and a failed statement fails the transaction (`error`), which `run` rolls back.
 */
class SqliteTx {
  constructor(driver) {
    this.driver = driver;
    this.last = Promise.resolve();
    this.error = null;
    this.working = new Set();
  }
  query(sql, params = []) {
    const result = this.last.then(() => {
      if (this.error) throw this.error;
      return this.driver.query(sql, params);
    });
    this.last = result.then(() => {}, (e) => {
      this.error ??= e;
    });
    return result;
  }
  /**
   * Waits until no statement is queued or about to be: one issued from a callback of an earlier one, or after work
   * the transaction waits for (`alive`, an encrypted store's sealing).
   */
  async drain() {
    for (;;) {
      const last = this.last;
      await last;
      await Promise.allSettled([...this.working]);
      await macrotask();
      if (this.last === last && this.working.size === 0) return;
    }
  }
  async get(store, key) {
    const rows = store === 'records'
      ? await this.query('SELECT row FROM records WHERE collection = ? AND id = ?', [key[0], key[1]])
      : await this.query('SELECT row FROM ops WHERE op_id = ?', [key]);
    return rows.length === 0 ? undefined : decodeValue(rows[0].row);
  }
  put(store, value) {
    const done = store === 'records'
      ? this.query('INSERT OR REPLACE INTO records (collection, id, local, row) VALUES (?, ?, ?, ?)',
        [value.collection, value.id, value.local ? 1 : 0, encode(value)])
      : this.query('INSERT OR REPLACE INTO ops (op_id, collection, record_id, state, row) VALUES (?, ?, ?, ?, ?)',
        [value.opId, value.collection, value.recordId, value.state, encode(value)]);
    done.catch(() => {});
    return done;
  }
  del(store, key) {
    const done = store === 'records'
      ? this.query('DELETE FROM records WHERE collection = ? AND id = ?', [key[0], key[1]])
      : this.query('DELETE FROM ops WHERE op_id = ?', [key]);
    done.catch(() => {});
    return done;
  }
  async getMeta(key) {
    const rows = await this.query('SELECT value FROM meta WHERE key = ?', [key]);
    return rows.length === 0 ? null : decodeValue(rows[0].value);
  }
  setMeta(key, value) {
    const done = value == null ? this.query('DELETE FROM meta WHERE key = ?', [key])
      : this.query('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', [key, encode(value)]);
    done.catch(() => {});
    return done;
  }
  async confirmedOpId() {
    return Number((await this.getMeta('confirmed_op_id')) ?? 0);
  }
  async opsOf(collection, id) {
    return rowsOf(await this.query('SELECT row FROM ops WHERE collection = ? AND record_id = ? ORDER BY op_id',
      [collection, id]));
  }
  async opsIn(state, count) {
    return rowsOf(await this.query('SELECT row FROM ops WHERE state = ? ORDER BY op_id LIMIT ?',
      [state, count === undefined ? -1 : count]));
  }
  async recordsIn(collection) {
    return rowsOf(await this.query('SELECT row FROM records WHERE collection = ? ORDER BY id', [collection]));
  }
  opKeysIn(state) {
    return this.opsIn(state);
  }
  recordKeysIn(collection) {
    return this.recordsIn(collection);
  }
  async localRecordKeys() {
    return rowsOf(await this.query('SELECT row FROM records WHERE local = 1'));
  }
  async countIn(state) {
    return Number((await this.query('SELECT count(*) AS n FROM ops WHERE state = ?', [state]))[0].n);
  }
  clear() {
    for (const table of ['records', 'ops', 'meta']) this.query(`DELETE FROM ${table}`).catch(() => {});
    return this.last;
  }
  abort(error) {
    this.error ??= error ?? new Error('the local transaction was aborted');
  }
  /** Work the transaction waits for before it commits (a SQLite transaction stays open until COMMIT anyway). */
  alive(promise) {
    this.working.add(promise);
    const forget = () => this.working.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

/** A store's connection, shared by the clients of this process that open it; transactions one after the other. */
class SqliteConnection {
  constructor(shared) {
    this.shared = shared;
    this.closed = false;
  }

  /** A CryptoKey has no bytes to store (a device key needs IndexedDB). */
  get keepsCryptoKeys() {
    return false;
  }

  run(mode, work) {
    if (this.closed) return Promise.reject(new Error(`the local store ${this.shared.name} is closed`));
    return this.shared.exclusive(async () => {
      const { driver } = this.shared;
      await driver.query(mode === 'readwrite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
      const tx = new SqliteTx(driver);
      try {
        const result = await work(tx);
        await tx.drain();
        if (tx.error) throw tx.error;
        await driver.query('COMMIT');
        return result;
      } catch (e) {
        await tx.drain();
        try {
          await driver.query('ROLLBACK');
        } catch {
          // not begun, or already rolled back by SQLite
        }
        throw e;
      }
    });
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.shared.release();
  }
}

/**
 * A storage adapter over SQLite. `open(name)` opens (creating) the database of store `name` and returns its driver
 * (`betterSqlite3Driver(db)`, `opSqliteDriver(db)`, `expoSqliteDriver(db)`, or any `{query(sql, params) → rows,
 * close()}`, sync or async); `delete(name)` deletes that database (called when no connection to it is open: a
 * wipe). One adapter per process and database: two adapters on one file would each hold a connection and wait for
 * each other's transactions.
 */
export function sqliteStorage({ open, delete: remove, blockedMs = 10000 }) {
  if (typeof open !== 'function' || typeof remove !== 'function') {
    throw new TypeError('sqliteStorage needs {open(name) → driver, delete(name)}');
  }
  const connections = new Map();
  /** Store name → promise resolved when its last connection is closed. */
  const closing = new Map();
  return {
    kind: 'sqlite',
    async open(name) {
      // a connection of this store still finishing its transactions and closing: the new one waits for it (two
      // connections of one thread must not hold SQLite's write lock against each other)
      while (closing.has(name)) await closing.get(name);
      let shared = connections.get(name);
      if (!shared) {
        let gone;
        shared = {
          name, refs: 0, chain: Promise.resolve(), driver: null,
          gone: new Promise((resolve) => {
            gone = resolve;
          }),
          ready: (async () => {
            const driver = await open(name);
            await driver.query('PRAGMA synchronous = FULL');
            for (const statement of SCHEMA) await driver.query(statement);
            return driver;
          })(),
          exclusive(work) {
            const turn = this.chain.then(work);
            this.chain = turn.catch(() => {});
            return turn;
          },
          async release() {
            this.refs -= 1;
            if (this.refs > 0) return;
            connections.delete(name);
            closing.set(name, this.gone);
            try {
              await this.chain;
              await this.driver.close();
            } finally {
              if (closing.get(name) === this.gone) closing.delete(name);
              gone();
            }
          },
        };
        connections.set(name, shared);
      }
      shared.refs += 1;
      try {
        shared.driver = await shared.ready;
      } catch (e) {
        shared.refs -= 1;
        if (connections.get(name) === shared) connections.delete(name);
        throw e;
      }
      return new SqliteConnection(shared);
    },
    /** Waits up to `blockedMs` for the store's clients in this process to close (another client's wipe closes them). */
    async delete(name) {
      const deadline = Date.now() + blockedMs;
      while (connections.has(name) || closing.has(name)) {
        if (Date.now() > deadline) {
          throw new Error(`the local store ${name} is still open in this process after ${blockedMs} ms: close its `
            + 'clients first');
        }
        await Promise.race([(connections.get(name) ?? { gone: closing.get(name) }).gone,
          new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      await remove(name);
    },
  };
}

/** better-sqlite3 (Node.js): `betterSqlite3Driver(new Database(file))`. Statements are prepared once. */
export function betterSqlite3Driver(db) {
  const statements = new Map();
  return {
    query(sql, params = []) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      if (statement.reader) return statement.all(...params);
      statement.run(...params);
      return [];
    },
    close() {
      db.close();
    },
  };
}

/** op-sqlite (React Native): `opSqliteDriver(open({name: file}))`; `execute` answers {rows}. */
export function opSqliteDriver(db) {
  return {
    async query(sql, params = []) {
      const result = await db.execute(sql, params);
      return result?.rows?._array ?? result?.rows ?? [];
    },
    close() {
      return db.close();
    },
  };
}

/** expo-sqlite (React Native, its async API): `expoSqliteDriver(await openDatabaseAsync(file))`. */
export function expoSqliteDriver(db) {
  return {
    query(sql, params = []) {
      return db.getAllAsync(sql, params);
    },
    close() {
      return db.closeAsync();
    },
  };
}
