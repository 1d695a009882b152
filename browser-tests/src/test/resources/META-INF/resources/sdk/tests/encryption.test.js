// An encrypted store (issue 19.3): record data, queued ops, conflicts and errors sealed with AES-GCM; the raw
// IndexedDB contents (read with plain cursors, not the SDK) hold no field value; wrong keys fail at open and change
// nothing; the store works as a plain one does.
import { LocalStore } from '/sdk/internal/store.js';
import { openSyncClient } from '/sdk/outpost-sync.js';
import { PBKDF2_ITERATIONS } from '/sdk/internal/crypt.js';
import { equal, fail, ok, rejects } from './assert.js';
import { BASE, FakeServer, json } from './fake-server.js';
import { needs, rawRows, rawText, testStorage } from './storage.js';
import { drop, freshName } from './until.js';

const AT = '2026-12-06T01:00:00.000Z';
/** In every field value written; never in an id or a collection name. */
const MARKER = 'Oxycodone-ZX81-marker';

const appKey = (extractable = false) => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, extractable,
  ['encrypt', 'decrypt']);

/**
 * Fills a store with everything that holds field values: records (created, updated, incremented, deleted), a queued
 * create, update and increment, an applied op, a conflict (server and local data), a rejected op (its error echoes a
 * value), a pulled record and a record with live ops on top of its pulled state.
 */
async function fill(store) {
  await store.create('meds', 'm-1', false, { name: `${MARKER} 10 mg`, patient: `${MARKER}-p1`, stock: 5 }, AT);
  await store.create('meds', 'm-2', false, { name: `${MARKER} conflicting` }, AT);
  await store.create('meds', 'm-3', false, { name: `${MARKER} rejected` }, AT);
  const batch = await store.takeBatch(10, 99);
  await store.applyPushResults(batch, [
    { opId: batch[0].opId, status: 'applied', collection: 'meds', id: 'm-1', version: 1 },
    { opId: batch[1].opId, status: 'conflict', collection: 'meds', id: 'm-2', version: 3,
      data: { name: `${MARKER} on the server` }, conflict: { fields: ['name'], reason: 'exists' } },
    { opId: batch[2].opId, status: 'rejected', collection: 'meds', id: 'm-3',
      error: { code: 'validation_failed', message: `"${MARKER} rejected" is not allowed`,
        fields: [{ field: 'name', message: `${MARKER} too long` }] } },
  ], {});
  await store.update('meds', 'm-1', { note: `${MARKER} note` }, AT);
  await store.increment('meds', 'm-1', { stock: -2 }, AT);
  await store.applyPullPage([
    { collection: 'meds', id: 'm-4', version: 7, deleted: false, data: { name: `${MARKER} pulled` } },
    { collection: 'meds', id: 'm-5', version: 2, deleted: false, data: { name: `${MARKER} pulled too` } },
  ], false, ['meds'], 'cursor:meds', 'c-7');
  await store.update('meds', 'm-5', { dose: `${MARKER} dose` }, AT);
  await store.create('meds', 'm-6', false, { name: `${MARKER} queued` }, AT);
}

/** What the SDK reads back from a filled store (the same whatever the encryption). */
async function readBack(store) {
  return {
    list: await store.list('meds'),
    filtered: await store.list('meds', { name: `${MARKER} pulled` }),
    ops: await store.ops(['pending', 'syncing', 'synced', 'conflict', 'failed']),
    counts: await store.counts(),
  };
}

async function withName(work) {
  const name = freshName('enc');
  try {
    await work(name);
  } finally {
    await drop(name);
  }
}

async function filled(name, encryption) {
  const store = await LocalStore.open(name, { encryption });
  try {
    await fill(store);
    return await readBack(store);
  } finally {
    store.close();
  }
}

const code = (c) => (e) => e.name === 'SyncRequestError' && e.error.kind === 'local' && e.error.code === c;

export const tests = {
  async 'a plain store holds the field values in clear (the test can see them)'() {
    await withName(async (name) => {
      await filled(name, null);
      const text = await rawText(name);
      ok(text.includes(MARKER), 'the marker is readable in a plain store');
      ok(text.includes(`${MARKER} on the server`) && text.includes(`${MARKER} too long`)
        && text.includes(`${MARKER} dose`), 'conflicts, errors and patches are readable in a plain store');
    });
  },

  async 'an app key: records, ops, conflicts and errors hold no plaintext; the SDK reads the same as a plain store'() {
    const key = await appKey();
    let plain;
    await withName(async (name) => {
      plain = await filled(name, null);
    });
    await withName(async (name) => {
      const sealed = await filled(name, { key });
      equal(sealed, plain, 'the encrypted store answers as the plain one');
      const text = await rawText(name);
      ok(!text.includes(MARKER), `no plaintext field value in IndexedDB: ${text.slice(0, 400)}`);
      ok(!text.includes('Oxycodone'), 'not even part of one');
      ok(text.includes('m-1') && text.includes('meds'), 'ids and collection names stay in clear (queried on)');
      const records = (await rawRows(name)).filter(([s]) => s === 'records').map(([, , v]) => v);
      ok(records.length > 0 && records.every((r) => r.sealed && r.sealed.iv.byteLength === 12
        && !('serverData' in r) && !('localData' in r)), 'every record row is sealed');
      const ivs = (await rawRows(name)).filter(([s]) => s !== 'meta').map(([, , v]) => v.sealed.iv.join());
      equal(new Set(ivs).size, ivs.length, 'a fresh IV for every stored value');
      // reopened with the key: everything is there
      const again = await LocalStore.open(name, { encryption: { key } });
      try {
        equal(await readBack(again), plain, 'reopened');
      } finally {
        again.close();
      }
    });
  },

  async 'a password: PBKDF2-SHA-256 with 600,000 iterations and a salt in the store; no plaintext'() {
    await withName(async (name) => {
      const store = await LocalStore.open(name, { encryption: { password: 'correct horse' } });
      try {
        await fill(store);
        ok((await store.get('meds', 'm-1')).data.name.startsWith(MARKER));
      } finally {
        store.close();
      }
      const text = await rawText(name);
      ok(!text.includes(MARKER), 'no plaintext field value');
      ok(!text.includes('correct horse'), 'nor the password');
      const setup = (await rawRows(name)).find(([s, k]) => s === 'meta' && k === 'encryption')[2].value;
      equal([setup.scheme, setup.kdf.name, setup.kdf.hash, setup.kdf.iterations, setup.kdf.salt.byteLength],
        ['password', 'PBKDF2', 'SHA-256', PBKDF2_ITERATIONS, 16]);
      ok(PBKDF2_ITERATIONS >= 600000);
    });
  },

  async 'a wrong password or key fails at open with wrong_store_key, and the stored values are unchanged'() {
    await withName(async (name) => {
      const store = await LocalStore.open(name, { encryption: { password: 'right one' } });
      await fill(store);
      store.close();
      const before = await rawRows(name);
      const error = await rejects(() => LocalStore.open(name, { encryption: { password: 'wrong one' } }),
        code('wrong_store_key'));
      ok(/wrong password/.test(error.message), error.message);
      await rejects(() => LocalStore.open(name, { encryption: { key: null } }), /CryptoKey/);
      await rejects(async () => LocalStore.open(name, { encryption: { key: await appKey() } }),
        code('wrong_store_key'), 'another kind of key');
      await rejects(() => LocalStore.open(name, { encryption: 'device-key' }), testStorage().kind === 'sqlite'
        ? /needs a storage that keeps CryptoKey/ : code('wrong_store_key')); // SQLite refuses a device key first
      await rejects(() => LocalStore.open(name), code('store_key_required'), 'no key for an encrypted store');
      equal(await rawRows(name), before, 'nothing was written or overwritten');
      const right = await LocalStore.open(name, { encryption: { password: 'right one' } });
      try {
        equal((await right.get('meds', 'm-4')).data, { name: `${MARKER} pulled` });
      } finally {
        right.close();
      }
    });
  },

  async 'a wrong app key fails; a plain store opened with a key fails; an extractable key is refused'() {
    const key = await appKey();
    await withName(async (name) => {
      (await LocalStore.open(name, { encryption: { key } })).close();
      await rejects(async () => LocalStore.open(name, { encryption: { key: await appKey() } }),
        code('wrong_store_key'));
    });
    await withName(async (name) => {
      const store = await LocalStore.open(name);
      await store.create('meds', 'm-1', false, { name: MARKER }, AT);
      store.close();
      const before = await rawRows(name);
      await rejects(() => LocalStore.open(name, { encryption: { key } }), code('store_not_encrypted'));
      equal(await rawRows(name), before, 'the plain store is untouched');
    });
    await rejects(async () => LocalStore.open(freshName('never'), { encryption: { key: await appKey(true) } }),
      /not be extractable/);
    await rejects(() => LocalStore.open(freshName('never'), { encryption: { password: '' } }), /non-empty/);
    await rejects(() => LocalStore.open(freshName('never'), { encryption: 'yes' }), TypeError);
  },

  async 'a device key: a non-extractable CryptoKey kept in the store\'s database; it survives a revocation wipe'() {
    needs('CryptoKey storage');
    await withName(async (name) => {
      let store = await LocalStore.open(name, { encryption: 'device-key' });
      try {
        await fill(store);
        store.close();
        const rows = await rawRows(name);
        const key = rows.find(([s, k]) => s === 'meta' && k === 'device_key')[2].value;
        ok(key instanceof CryptoKey && key.extractable === false && key.algorithm.name === 'AES-GCM'
          && key.algorithm.length === 256, 'a non-extractable AES-GCM 256 key');
        await rejects(() => crypto.subtle.exportKey('raw', key), /not extractable|InvalidAccessError/);
        ok(!(await rawText(name)).includes(MARKER), 'no plaintext');
        store = await LocalStore.open(name, { encryption: 'device-key' });
        equal((await store.get('meds', 'm-4')).data, { name: `${MARKER} pulled` }, 'reopened with the stored key');
        await store.wipe(store.deviceId);
        await store.create('meds', 'm-9', false, { name: `${MARKER} after the wipe` }, AT);
        store.close();
        store = await LocalStore.open(name, { encryption: 'device-key' });
        equal((await store.list('meds')).map((r) => r.id), ['m-9'], 'the key outlived the wipe; the data did not');
        ok(!(await rawText(name)).includes(MARKER));
      } finally {
        store.close();
      }
    });
  },

  async 'a value changed outside the SDK does not decrypt: store_damaged, not wrong data'() {
    needs('IndexedDB'); // changes a row with IndexedDB itself
    await withName(async (name) => {
      const key = await appKey();
      const store = await LocalStore.open(name, { encryption: { key } });
      try {
        await store.create('meds', 'm-1', false, { name: MARKER }, AT);
        await store.create('meds', 'm-2', false, { name: 'other' }, AT);
        // move m-2's sealed value into m-1's row (both are valid ciphertexts under the key)
        await new Promise((resolve, reject) => {
          const tx = store.connection.db.transaction('records', 'readwrite');
          const records = tx.objectStore('records');
          const r = records.get(['meds', 'm-2']);
          r.onsuccess = () => {
            const m1 = records.get(['meds', 'm-1']);
            m1.onsuccess = () => records.put({ ...m1.result, sealed: r.result.sealed });
          };
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        await rejects(() => store.get('meds', 'm-1'), code('store_damaged'));
        equal((await store.get('meds', 'm-2')).data, { name: 'other' });
      } finally {
        store.close();
      }
    });
  },

  async 'a client with an app key: writes, a transaction, a sync and a pull; nothing readable in IndexedDB'() {
    const key = await appKey();
    const storeName = freshName('encclient');
    const server = new FakeServer();
    server.on('sync/pull', () => json({ changes: [{ collection: 'meds', id: 'srv-1', version: 4, deleted: false,
      data: { name: `${MARKER} from the server` } }], cursor: 'c1', hasMore: false, lastProcessedOpId: 0 }));
    const options = {
      baseUrl: BASE, tokenProvider: () => 't', user: 'nurse', storeName, collections: ['meds'], syncOnStart: false,
      liveUpdates: false, syncAfterWriteMs: 0, autoSync: { enabled: false, intervalSeconds: 300 },
      encryption: { key },
    };
    let client = await openSyncClient(options);
    try {
      await client.records('meds').create('m-1', { name: `${MARKER} local` });
      await client.transaction(async (tx) => {
        await tx.records('meds').create('m-2', { name: `${MARKER} in a transaction` });
        await new Promise((resolve) => { setTimeout(resolve, 0); }); // an await that is no IndexedDB request
        await tx.records('meds').update('m-1', { dose: `${MARKER} 5 mg` });
      });
      const result = await client.syncNow();
      equal([result.error, result.pushed, result.pulled], [null, 3, 1]);
      await client.records('meds').create('m-3', { name: `${MARKER} queued` });
      equal((await client.pendingOps()).map((o) => o.data), [{ name: `${MARKER} queued` }]);
      equal((await client.records('meds').list()).map((r) => r.id), ['m-1', 'm-2', 'm-3', 'srv-1']);
      await client.close();
      client = null;
      ok(!(await rawText(`${storeName}-nurse`)).includes(MARKER), 'no plaintext in IndexedDB');
      const wrong = await rejects(async () => openSyncClient({ ...options, encryption: { key: await appKey() } }),
        code('wrong_store_key'));
      ok(wrong.error.message.includes('wrong key'), wrong.error.message);
      await rejects(() => openSyncClient({ ...options, encryption: undefined }), code('store_key_required'));
      client = await openSyncClient(options);
      equal((await client.records('meds').get('srv-1')).data, { name: `${MARKER} from the server` });
      equal((await client.records('meds').get('m-1')).data, { name: `${MARKER} local`, dose: `${MARKER} 5 mg` });
    } finally {
      await client?.close();
      server.close();
      await drop(`${storeName}-nurse`);
    }
    if (PBKDF2_ITERATIONS < 600000) fail('too few iterations');
  },

  async 'a storage that cannot keep a CryptoKey (SQLite) refuses a device key at open, and writes nothing'() {
    needs('SQLite'); // IndexedDB keeps it: the device key test above
    const name = freshName('enc');
    await rejects(() => LocalStore.open(name, { encryption: 'device-key' }), /needs a storage that keeps CryptoKey/);
    equal((await rawRows(name)).length, 0, 'nothing written');
    await drop(name);
  },
};
