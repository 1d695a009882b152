// Where the tests' stores live, so one test module runs against every storage adapter: IndexedDB in the browser
// (runner.js), SQLite in Node.js (browser-tests/src/test/node/sqlite.test.mjs, which calls `useStorage`). Tests open
// stores without naming a storage and drop them with `until.js`'s `drop`; `needs(feature)` skips a test that needs
// something only a browser has.
import { indexedDbStorage } from '/sdk/outpost-sync.js';
import { rawRows as idbRows, rawText as rawTextOf } from './raw-idb.js';

let current = null;
let names = async () => (await indexedDB.databases()).map((d) => d.name);
let rows = idbRows;

/** The storage adapter the tests' stores are opened with. */
export function testStorage() {
  current ??= indexedDbStorage();
  return current;
}

/**
 * Tests' stores go to `storage`; `storeNames()` lists the stores it holds, `rawRows(name)` reads one without the SDK
 * (as someone holding the device would: [store, key, value] rows, binary values as bytes).
 */
export function useStorage(storage, storeNames, rawRows) {
  current = storage;
  names = storeNames;
  rows = rawRows;
}

/** Every [store, key, value] of the store `name`, read without the SDK (raw-idb.js in the browser). */
export function rawRows(name) {
  return rows(name);
}

/** The whole store as text, one line per row: what a search for a plaintext value runs over. */
export function rawText(name) {
  return rawTextOf(name, rows);
}

/** The names of the stores the tests' storage holds (IndexedDB: this origin's databases). */
export function storeNames() {
  return names();
}

/** Thrown by `needs`: the runners report the test as skipped, with the reason. */
export class Skip extends Error {}

const FEATURES = {
  'CryptoKey storage': () => current?.kind === 'indexeddb',
  IndexedDB: () => current?.kind === 'indexeddb',
  SQLite: () => current?.kind === 'sqlite',
  'Web Locks': () => typeof globalThis.navigator?.locks?.request === 'function',
  'window events': () => typeof globalThis.dispatchEvent === 'function' && typeof globalThis.Event === 'function',
};

/** Skips the calling test where `feature` (a key of FEATURES) is missing. */
export function needs(feature) {
  if (!FEATURES[feature]()) throw new Skip(`needs ${feature}, which this runtime does not have`);
}

/** The test modules whose stores run on every storage adapter (and encrypted: EncryptedStoreSuiteTest). */
export const STORE_MODULES = ['./store.test.js', './client.test.js', './transaction.test.js', './validation.test.js',
  './wipe.test.js'];
