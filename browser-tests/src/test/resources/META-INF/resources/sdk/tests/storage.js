// Where the tests' stores live, so one test module runs against every storage adapter: IndexedDB in the browser
// (runner.js), SQLite in Node.js (browser-tests/src/test/node/sqlite.test.mjs, which calls `useStorage`). Tests open
// stores without naming a storage and drop them with `until.js`'s `drop`; `needs(feature)` skips a test that needs
// something only a browser has.
import { indexedDbStorage } from '/sdk/outpost-sync.js';

let current = null;
let names = async () => (await indexedDB.databases()).map((d) => d.name);

/** The storage adapter the tests' stores are opened with. */
export function testStorage() {
  current ??= indexedDbStorage();
  return current;
}

/** Tests' stores go to `storage`; `storeNames()` lists the stores it holds. */
export function useStorage(storage, storeNames) {
  current = storage;
  names = storeNames;
}

/** The names of the stores the tests' storage holds (IndexedDB: this origin's databases). */
export function storeNames() {
  return names();
}

/** Thrown by `needs`: the runners report the test as skipped, with the reason. */
export class Skip extends Error {}

const FEATURES = {
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
