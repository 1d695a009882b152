// The browser SDK's store and engine tests (the JS test folder's STORE_MODULES, which Chromium runs on IndexedDB, and
// encryption.test.js: no plaintext in the SQLite file, wrong keys, a refused device key) on Node.js with the SQLite
// storage adapter over better-sqlite3:
//   [sqlite]                 better-sqlite3 through betterSqlite3Driver (synchronous statements)
//   [sqlite, app key]        the same, every store encrypted with an app key (WebCrypto: globalThis.crypto.subtle)
//   [sqlite, op-sqlite API]  opSqliteDriver over an object with op-sqlite's asynchronous API (`execute` answering
//                            {rows} on a later turn of the event loop), backed by better-sqlite3
//   [sqlite, expo-sqlite API] expoSqliteDriver over expo-sqlite's asynchronous API (`getAllAsync`, `closeAsync`)
// Run by NodeSqliteTest: node --import ./register.mjs --test sqlite.test.mjs, with better-sqlite3 installed in
// ../../../target/node-modules (NodeSqliteTest does that: npm install there).
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../../target/node-modules/package.json', import.meta.url));
const Database = require('better-sqlite3');

const { sqliteStorage, betterSqlite3Driver, decodeValue, expoSqliteDriver, opSqliteDriver } = await import(
  '/sdk/storage/sqlite.js');
const { LocalStore } = await import('/sdk/internal/store.js');
const { STORE_MODULES, Skip, useStorage } = await import('/sdk/tests/storage.js');

const directory = mkdtempSync(join(tmpdir(), 'outpost-sqlite-'));
const file = (name) => join(directory, `${name}.sqlite`);
const later = () => new Promise((resolve) => setImmediate(resolve));

/** op-sqlite's API over better-sqlite3: every statement answers on a later turn, as a native module's would. */
function opSqliteLike(db) {
  const sync = betterSqlite3Driver(db);
  return {
    async execute(sql, params) {
      await later();
      return { rows: sync.query(sql, params) };
    },
    close: () => sync.close(),
  };
}

/** expo-sqlite's async API over better-sqlite3. */
function expoSqliteLike(db) {
  const sync = betterSqlite3Driver(db);
  return {
    async getAllAsync(sql, params) {
      await later();
      return sync.query(sql, params);
    },
    async closeAsync() {
      await later();
      sync.close();
    },
  };
}

const DRIVERS = {
  'better-sqlite3': (db) => betterSqlite3Driver(db),
  'op-sqlite API': (db) => opSqliteDriver(opSqliteLike(db)),
  'expo-sqlite API': (db) => expoSqliteDriver(expoSqliteLike(db)),
};
let driver = DRIVERS['better-sqlite3'];
const storage = sqliteStorage({
  open: (name) => driver(new Database(file(name))),
  delete: (name) => {
    rmSync(file(name), { force: true });
    rmSync(`${file(name)}-journal`, { force: true });
  },
});

/** A store's rows read with better-sqlite3 itself (not the SDK), shaped as raw-idb.js reads IndexedDB's. */
function rawRows(name) {
  if (!existsSync(file(name))) return [];
  const db = new Database(file(name), { readonly: true });
  try {
    return [
      ...db.prepare('SELECT key, value FROM meta ORDER BY key').all()
        .map((r) => ['meta', r.key, { key: r.key, value: decodeValue(r.value) }]),
      ...db.prepare('SELECT collection, id, row FROM records ORDER BY collection, id').all()
        .map((r) => ['records', [r.collection, r.id], decodeValue(r.row)]),
      ...db.prepare('SELECT op_id, row FROM ops ORDER BY op_id').all().map((r) => ['ops', r.op_id, decodeValue(r.row)]),
    ];
  } finally {
    db.close();
  }
}
useStorage(storage, async () => readdirSync(directory).filter((f) => f.endsWith('.sqlite'))
  .map((f) => f.slice(0, -'.sqlite'.length)), async (name) => rawRows(name));

/** Every LocalStore.open without a storage opens the SQLite one, encrypted with `encryption` when it is set. */
let encryption = null;
const open = LocalStore.open;
LocalStore.open = (name, options = {}) => open.call(LocalStore, name, {
  ...options, storage: options.storage ?? storage, encryption: options.encryption ?? encryption,
});

const appKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
const modules = ['./merge-patch.test.js', './platform.test.js', './encryption.test.js', ...STORE_MODULES];
const loaded = await Promise.all(modules.map(async (path) => [path.slice(2), (await import(`/sdk/tests/${path}`)).tests]));

const SUITES = [
  { label: 'sqlite', driver: 'better-sqlite3', key: null, modules: modules },
  { label: 'sqlite, app key', driver: 'better-sqlite3', key: appKey, modules: STORE_MODULES },
  { label: 'sqlite, op-sqlite API', driver: 'op-sqlite API', key: null, modules: STORE_MODULES },
  { label: 'sqlite, expo-sqlite API', driver: 'expo-sqlite API', key: null, modules: STORE_MODULES },
];

for (const suite of SUITES) {
  describe(`[${suite.label}]`, { concurrency: 1 }, () => {
    for (const [moduleName, tests] of loaded) {
      if (!suite.modules.includes(`./${moduleName}`)) continue;
      for (const [testName, test] of Object.entries(tests)) {
        it(`[${suite.label}] ${moduleName}: ${testName}`, { timeout: 20000 }, async (t) => {
          encryption = suite.key ? { key: suite.key } : null;
          driver = DRIVERS[suite.driver];
          try {
            await test();
          } catch (e) {
            if (!(e instanceof Skip)) throw e;
            t.skip(e.message);
          }
        });
      }
    }
  });
}

process.on('exit', () => rmSync(directory, { recursive: true, force: true }));
