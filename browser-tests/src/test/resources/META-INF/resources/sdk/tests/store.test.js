// The IndexedDB store on its own (real IndexedDB of the test browser): local writes, folding, batches, push answers,
// temp ids, pull pages, rebase, increments (counters: never a double count).
import { LocalStore } from '/sdk/internal/store.js';
import { SyncEngine } from '/sdk/internal/engine.js';
import { equal, ok, rejects } from './assert.js';
import { drop, freshName } from './until.js';
import { rawRows } from './storage.js';

const AT = '2026-11-24T10:00:00.000Z';

async function withStore(work) {
  const name = freshName('store');
  const store = await LocalStore.open(name);
  try {
    await work(store, name);
  } finally {
    store.close();
    await drop(name);
  }
}

const applied = (op, version, extra = {}) => ({ opId: op.opId, status: 'applied', collection: op.collection,
  id: op.recordId, version, ...extra });

/** The server's state of a product as a pull page brings it (not a snapshot: other records stay). */
const pulled = (store, id, version, data) => store.applyPullPage([{ collection: 'products', id, version,
  deleted: false, data }], false, ['products'], 'cursor:products', `c${version}`);

const stockOf = async (store, id = 'sku-1') => (await store.get('products', id))?.data.stock;

export const tests = {
  async 'a write and its queued op commit together; the deviceId and opIds survive a reopen'() {
    const name = freshName('store');
    let store = await LocalStore.open(name);
    try {
      const record = await store.create('notes', 'n-1', false, { title: 'a' }, AT);
      equal(record, { collection: 'notes', id: 'n-1', data: { title: 'a' }, version: 0, pending: true });
      const deviceId = store.deviceId;
      ok(/^d-[0-9a-f-]{36}$/.test(deviceId), deviceId);
      store.close();
      store = await LocalStore.open(name);
      equal(store.deviceId, deviceId, 'the deviceId is kept');
      await store.create('notes', 'n-2', false, { title: 'b' }, AT);
      equal((await store.ops(['pending'])).map((o) => o.opId), [1, 2]);
    } finally {
      store.close();
      await drop(name);
    }
  },

  async 'each op keeps the schema version it was queued in, and takes writes of that version only'() {
    await withStore(async (store) => {
      store.schemaVersions = { notes: 1 };
      await store.create('notes', 'n-1', false, { name: 'a' }, AT);
      await store.update('notes', 'n-1', { name: 'b' }, AT); // folds into the v1 create
      await store.create('notes', 'n-2', false, { name: 'x' }, AT);
      await store.create('notes', 'n-3', false, { name: 'y' }, AT);
      store.schemaVersions = { notes: 2 }; // the app was updated
      await store.update('notes', 'n-1', { fullName: 'c' }, AT); // its own op: the create is v1
      await store.update('notes', 'n-1', { ward: '3' }, AT); // folds into the v2 update
      await store.increment('notes', 'n-2', { visits: 1 }, AT); // not into the v1 create either
      await store.delete('notes', 'n-3', AT); // a never-sent create is dropped whatever its version
      equal((await store.ops(['pending'])).map((o) => [o.id, o.schemaVersion, o.data]), [
        ['n-1', 1, { name: 'b' }], ['n-2', 1, { name: 'x' }], ['n-1', 2, { fullName: 'c', ward: '3' }],
        ['n-2', 2, { visits: 1 }]]);

      const [first] = await store.takeBatch(1, 99);
      equal([first.recordId, first.schemaVersion], ['n-1', 1]);
      await store.applyPushResults([first], [{ opId: first.opId, status: 'rejected', error: { code: 'x' } }], {});
      const requeued = await store.requeue(first.opId, undefined, AT);
      equal((await store.ops(['pending'])).find((o) => o.opId === requeued).schemaVersion, 1,
        'its own data: its own version');
      store.schemaVersions = {};
      const [second] = await store.takeBatch(1, 99);
      equal([second.recordId, second.schemaVersion], ['n-2', 1]);
      await store.applyPushResults([second], [{ opId: second.opId, status: 'rejected', error: { code: 'x' } }], {});
      const edited = await store.requeue(second.opId, { name: 'd' }, AT);
      equal((await store.ops(['pending'])).find((o) => o.opId === edited).schemaVersion, null,
        'edited now: the app\'s version (none)');
    });
  },

  async 'an op queued before schema versions keeps its place and is pushed without one; new ops carry theirs'() {
    const name = freshName('store');
    let store = await LocalStore.open(name);
    try {
      await store.create('notes', 'n-1', false, { fullName: 'Old App' }, AT);
      // the row as an SDK before versions wrote it: no schemaVersion at all
      await store.run('readwrite', async (tx) => {
        const { schemaVersion, ...legacy } = await tx.get('ops', 1);
        await tx.put('ops', legacy);
      });
      await store.close();
      const raw = (await rawRows(name)).filter(([table]) => table === 'ops');
      equal(raw.length, 1);
      ok(!('schemaVersion' in raw[0][2]), `a legacy row: ${JSON.stringify(raw[0][2])}`);

      store = await LocalStore.open(name); // the updated app
      store.schemaVersions = { notes: 2 };
      equal((await store.ops(['pending'])).map((o) => [o.id, o.schemaVersion]), [['n-1', null]]);
      await store.create('notes', 'n-2', false, { fullName: 'New App' }, AT);
      await store.update('notes', 'n-1', { ward: '3' }, AT); // not folded: the old op has no version
      equal((await store.get('notes', 'n-1')).data, { fullName: 'Old App', ward: '3' });
      const batch = await store.takeBatch(10, 99); // ends before n-1's second op
      const body = new SyncEngine({ store }).pushBody(batch);
      equal(body.operations.map((o) => [o.opId, o.id, o.schemaVersion]), [[1, 'n-1', undefined],
        [2, 'n-2', 2]]);
      ok(!('schemaVersion' in body.operations[0]), 'sent without one: the server takes its current version');
      equal((await store.ops(['pending', 'syncing'])).map((o) => [o.opId, o.schemaVersion]), [[1, null], [2, 2],
        [3, 2]]);
    } finally {
      store.close();
      await drop(name);
    }
  },

  async 'a refused write changes nothing'() {
    await withStore(async (store) => {
      await store.create('notes', 'n-1', false, { v: 1 }, AT);
      await rejects(() => store.create('notes', 'n-1', false, { v: 2 }, AT), /exists already/);
      await rejects(() => store.update('notes', 'nope', { v: 2 }, AT), /no record/);
      equal((await store.counts()).pending, 1);
      equal((await store.get('notes', 'n-1')).data, { v: 1 });
      equal(await store.getMeta('next_op_id'), 2, 'no opId was used up');
    });
  },

  async 'unsent edits of one record fold into one op'() {
    await withStore(async (store) => {
      await store.create('notes', 'n-1', false, { a: 1 }, AT);
      await store.update('notes', 'n-1', { b: 2 }, AT);
      equal((await store.ops(['pending'])).map((o) => [o.type, o.data]), [['create', { a: 1, b: 2 }]]);
      await store.delete('notes', 'n-1', AT);
      equal((await store.ops(['pending'])).length, 0, 'a create that never left the device just vanishes');
      equal(await store.get('notes', 'n-1'), null);
    });
  },

  async 'a batch ends before a second op of the same record; an unanswered batch goes back to pending'() {
    await withStore(async (store) => {
      await store.create('notes', 'n-1', false, { a: 1 }, AT);
      const [first] = await store.takeBatch(10, 99);
      await store.applyPushResults([first], [applied(first, 1)], {});
      await store.update('notes', 'n-1', { a: 2 }, AT); // op 2, on version 1
      await store.create('notes', 'n-2', false, { a: 1 }, AT); // op 3
      await store.update('notes', 'n-1', { a: 3 }, AT); // folds into op 2
      await store.create('notes', 'n-3', false, { a: 1 }, AT); // op 4
      const batch = await store.takeBatch(10, 99);
      equal(batch.map((o) => o.opId), [2, 3, 4]);
      equal(batch[0].baseVersion, 1);
      equal((await store.counts()).syncing, 3);
      await store.releaseBatch(batch);
      equal((await store.counts()).pending, 3);
    });
  },

  async 'a batch stops at a second op of one record'() {
    await withStore(async (store) => {
      await store.create('notes', 'n-1', false, { a: 1 }, AT);
      const [first] = await store.takeBatch(10, 99);
      await store.applyPushResults([first], [applied(first, 1)], {});
      await store.update('notes', 'n-1', { a: { b: 1 } }, AT);
      await store.update('notes', 'n-1', { a: 2 }, AT); // composes: one op
      await store.update('notes', 'n-1', { a: { c: 1 } }, AT); // a scalar then an object: a second op
      equal((await store.takeBatch(10, 99)).length, 1);
    });
  },

  async 'push answers: applied moves the server state and later baseVersions, conflict and rejected are final'() {
    await withStore(async (store) => {
      for (const id of ['a', 'b', 'c', 'd']) await store.create('notes', id, false, { v: id }, AT);
      const batch = await store.takeBatch(10, 99);
      await store.update('notes', 'a', { w: 1 }, AT); // op 5, queued while the push is in flight
      const outcome = await store.applyPushResults(batch, [
        applied(batch[0], 1),
        { opId: 2, status: 'conflict', collection: 'notes', id: 'b', version: 4, data: { v: 'server' },
          conflict: { fields: ['v'], strategy: 'reject', reason: 'exists' } },
        { opId: 3, status: 'rejected', collection: 'notes', id: 'c',
          error: { code: 'validation_failed', message: 'no', fields: [{ field: 'v', message: 'bad' }] } },
      ], {});
      equal([outcome.applied, outcome.conflicts, outcome.rejected], [1, 1, 1]);
      equal(outcome.newConflicts[0].serverVersion, 4);
      equal(outcome.newConflicts[0].reason, 'exists');
      equal((await store.ops(['pending'])).map((o) => [o.opId, o.baseVersion]), [[4, 0], [5, 1]],
        'op 4 had no answer: pending again; op 5 now builds on version 1');
      equal((await store.get('notes', 'b')).data, { v: 'server' }, 'a conflicted record shows the server state');
      equal(await store.get('notes', 'c'), null, 'a rejected create leaves nothing');
      equal((await store.ops(['failed']))[0].error.fields, [{ field: 'v', message: 'bad' }]);
    });
  },

  async 'a temporary id is replaced in the record, its ops and pending references'() {
    await withStore(async (store) => {
      const refs = { visits: { appointmentId: 'appointments' } };
      await store.create('appointments', 'tmp-1', true, { title: 'checkup' }, AT);
      await store.create('visits', 'v-1', false, { appointmentId: 'tmp-1' }, AT);
      const batch = await store.takeBatch(1, 99);
      await store.update('appointments', 'tmp-1', { title: 'later' }, AT); // a pending op of the temp record
      await store.applyPushResults(batch, [{ opId: 1, status: 'applied', collection: 'appointments', id: '42',
        tempId: 'tmp-1', version: 1 }], refs);
      equal(await store.get('appointments', 'tmp-1'), null);
      equal((await store.get('appointments', '42')).data, { title: 'later' });
      const pending = await store.ops(['pending']);
      equal(pending.map((o) => [o.collection, o.id, o.data]), [
        ['visits', 'v-1', { appointmentId: '42' }],
        ['appointments', '42', { title: 'later' }],
      ]);
      equal((await store.get('visits', 'v-1')).data, { appointmentId: '42' });
    });
  },

  async 'a snapshot page replaces the server state but keeps records with live ops; versions never go back'() {
    await withStore(async (store) => {
      await store.applyPullPage([
        { collection: 'notes', id: 'old', version: 3, deleted: false, data: { v: 'old' } },
        { collection: 'notes', id: 'x', version: 5, deleted: false, data: { v: 5 } },
      ], true, ['notes'], 'cursor:notes', 'c1');
      await store.create('notes', 'mine', false, { v: 'local' }, AT);
      await store.applyPullPage([{ collection: 'notes', id: 'x', version: 4, deleted: false, data: { v: 4 } }],
        false, ['notes'], 'cursor:notes', 'c2');
      equal((await store.get('notes', 'x')).data, { v: 5 }, 'an older pulled version is ignored');
      await store.applyPullPage([{ collection: 'notes', id: 'x', version: 6, deleted: false, data: { v: 6 } }],
        true, ['notes'], 'cursor:notes', 'c3'); // reset
      equal((await store.list('notes')).map((r) => r.id), ['mine', 'x']);
      equal(await store.getMeta('cursor:notes'), 'c3', 'the cursor is stored with its page');
      await store.applyPullPage([{ collection: 'notes', id: 'x', version: 7, deleted: true, data: null }],
        false, ['notes'], 'cursor:notes', 'c4');
      equal(await store.get('notes', 'x'), null, 'a tombstone deletes');
    });
  },

  async 'rebase: accepted ops stay in the view until a pull includes them'() {
    await withStore(async (store) => {
      await store.applyPullPage([{ collection: 'notes', id: 'n', version: 1, deleted: false, data: { a: 1 } }],
        true, ['notes'], 'cursor:notes', 'c1');
      await store.update('notes', 'n', { b: 1 }, AT); // op 1
      const batch = await store.takeBatch(10, 99);
      await store.applyPushResults(batch, [{ opId: 1, status: 'applied', collection: 'notes', id: 'n', version: 2 }], {});
      // a pull that does not include op 1 yet (the feed lags): version 1 again must not hide the accepted change
      await store.applyPullPage([{ collection: 'notes', id: 'n', version: 1, deleted: false, data: { a: 1 } }],
        false, ['notes'], 'cursor:notes', 'c2');
      await store.confirm(0);
      equal((await store.get('notes', 'n')).data, { a: 1, b: 1 });
      equal((await store.counts()).synced, 1);
      await store.confirm(1);
      equal((await store.counts()).synced, 0, 'confirmed by lastProcessedOpId: the op leaves the queue');
      equal((await store.get('notes', 'n')).data, { a: 1, b: 1 });
    });
  },

  async 'a conflicted create re-queued on a record the server has becomes an update on its version'() {
    await withStore(async (store) => {
      await store.create('notes', 'n', false, { mine: true }, AT);
      const batch = await store.takeBatch(10, 99);
      await store.applyPushResults(batch, [{ opId: 1, status: 'conflict', collection: 'notes', id: 'n', version: 3,
        data: { theirs: true }, conflict: { fields: [] } }], {});
      const next = await store.requeue(1, undefined, AT);
      const [op] = await store.ops(['pending']);
      equal([op.opId, op.type, op.baseVersion, op.data], [next, 'update', 3, { mine: true }]);
      equal((await store.get('notes', 'n')).data, { theirs: true, mine: true });
      equal((await store.ops(['conflict'])).length, 0);
    });
  },

  async 'increment: the view adds the deltas at once (a missing field counts as 0); bad targets are refused'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { name: 'rice', stock: 10 });
      const record = await store.increment('products', 'sku-1', { stock: -2, sold: 2 }, AT);
      equal(record, { collection: 'products', id: 'sku-1', data: { name: 'rice', stock: 8, sold: 2 }, version: 1,
        pending: true });
      equal((await store.get('products', 'sku-1')).data, { name: 'rice', stock: 8, sold: 2 });
      equal((await store.ops(['pending'])).map((o) => [o.opId, o.type, o.data]),
        [[1, 'increment', { stock: -2, sold: 2 }]]);
      await rejects(() => store.increment('products', 'nope', { stock: 1 }, AT), /no record products\/nope/);
      await rejects(() => store.increment('products', 'sku-1', { name: 1 }, AT), /"name" holds "rice", not a number/);
      await store.delete('products', 'sku-1', AT); // op 2
      await rejects(() => store.increment('products', 'sku-1', { stock: 1 }, AT), /no record products\/sku-1/,
        'a record deleted locally');
      equal(await store.getMeta('next_op_id'), 3, 'refused increments use no opId');
      equal((await store.ops(['pending'])).map((o) => o.type), ['increment', 'delete'],
        'a delete after an increment is its own op');
    });
  },

  async 'increment: decimals add without binary noise, integers as they are'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { weightKg: 0.2, price: 1.1, stock: 2 ** 40 });
      await store.increment('products', 'sku-1', { weightKg: 0.1, price: 2.2, stock: 1 }, AT);
      equal((await store.get('products', 'sku-1')).data, { weightKg: 0.3, price: 3.3, stock: 2 ** 40 + 1 });
      await store.increment('products', 'sku-1', { weightKg: -0.25, price: 1e-7 }, AT); // folds: 0.1 - 0.25
      equal((await store.ops(['pending']))[0].data, { weightKg: -0.15, price: 2.2000001, stock: 1 });
      equal((await store.get('products', 'sku-1')).data, { weightKg: 0.05, price: 3.3000001, stock: 2 ** 40 + 1 });
    });
  },

  async 'increments fold into an unsent increment and into an unsent create, never into an op that was sent'() {
    await withStore(async (store) => {
      await store.create('products', 'new', false, { stock: 5 }, AT); // op 1
      await store.increment('products', 'new', { stock: -1, visits: 1 }, AT);
      await pulled(store, 'sku-1', 1, { stock: 10 });
      await store.increment('products', 'sku-1', { stock: -2 }, AT); // op 2
      await store.increment('products', 'sku-1', { stock: -3, visits: 1 }, AT); // folds into op 2
      equal((await store.ops(['pending'])).map((o) => [o.opId, o.type, o.data]), [
        [1, 'create', { stock: 4, visits: 1 }],
        [2, 'increment', { stock: -5, visits: 1 }],
      ]);
      equal((await store.get('products', 'new')).data, { stock: 4, visits: 1 });
      equal((await store.get('products', 'sku-1')).data, { stock: 5, visits: 1 });
      await store.releaseBatch(await store.takeBatch(10, 99)); // sent, no answer: pending again, but sent
      await store.increment('products', 'sku-1', { stock: -1 }, AT); // op 3
      await store.increment('products', 'new', { stock: 1 }, AT); // op 4: the create was sent
      equal((await store.ops(['pending'])).map((o) => [o.opId, o.type, o.data]), [
        [1, 'create', { stock: 4, visits: 1 }],
        [2, 'increment', { stock: -5, visits: 1 }],
        [3, 'increment', { stock: -1 }],
        [4, 'increment', { stock: 1 }],
      ], 'a sent op is never changed: its answer may have been lost after the server applied it');
      equal(await stockOf(store), 4);
      equal(await stockOf(store, 'new'), 5);
      await store.update('products', 'sku-1', { name: 'rice' }, AT); // op 5: an update after an increment
      equal((await store.ops(['pending'])).at(-1).type, 'update');
    });
  },

  async 'an increment and a later op of its record never share a batch; the later op is rebased on its answer'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { stock: 10 });
      await store.increment('products', 'sku-1', { stock: -2 }, AT); // op 1
      await store.update('products', 'sku-1', { name: 'rice' }, AT); // op 2, on version 1
      await store.create('products', 'sku-2', false, { stock: 1 }, AT); // op 3
      const batch = await store.takeBatch(10, 99);
      equal(batch.map((o) => o.opId), [1], 'the batch ends before the second op of sku-1');
      await store.applyPushResults(batch, [applied(batch[0], 3, { data: { stock: 7 } })], {});
      equal((await store.ops(['pending'])).map((o) => [o.opId, o.baseVersion]), [[2, 3], [3, 0]]);
      equal((await store.get('products', 'sku-1')).data, { stock: 7, name: 'rice' });
    });
  },

  async 'an applied increment: the answer\'s data and version are the server state, its delta is not added again'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { stock: 10 });
      await store.increment('products', 'sku-1', { stock: -2 }, AT);
      const batch = await store.takeBatch(10, 99);
      // another device's -3 landed first (version 2): the answer has the sum of both
      await store.applyPushResults(batch, [applied(batch[0], 3, { data: { stock: 5 } })], {});
      equal(await store.get('products', 'sku-1'), { collection: 'products', id: 'sku-1', data: { stock: 5 },
        version: 3, pending: false });
      await pulled(store, 'sku-1', 2, { stock: 7 }); // a lagging feed: an older version is ignored
      await store.confirm(0); // a completed pull whose watermark does not include the op yet
      equal(await stockOf(store), 5, 'the answer\'s value, not 5 - 2');
      equal((await store.counts()).synced, 1);
      await store.confirm(1);
      equal([await stockOf(store), (await store.counts()).synced], [5, 0]);
    });
  },

  async 'a create and an increment answered before the pull: the view is the increment\'s answer, not the create'() {
    await withStore(async (store) => {
      await store.create('products', 'new', false, { name: 'rice', stock: 5 }, AT);
      const [create] = await store.takeBatch(10, 99);
      await store.applyPushResults([create], [applied(create, 1)], {});
      await store.increment('products', 'new', { stock: -2 }, AT); // op 2: the create was sent
      const [increment] = await store.takeBatch(10, 99);
      // another device's -1 landed in between: the answer is version 3
      await store.applyPushResults([increment], [applied(increment, 3, { data: { name: 'rice', stock: 2 } })], {});
      equal((await store.get('products', 'new')).data, { name: 'rice', stock: 2 },
        'the synced create (version 1) is in the server state of version 3: not replayed over it');
      await store.confirm(0);
      equal(await stockOf(store, 'new'), 2);
    });
  },

  async 'a pull with another device\'s increment and a watermark covering ours: the server value, no double count'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { stock: 10 });
      await store.increment('products', 'sku-1', { stock: -2 }, AT);
      const batch = await store.takeBatch(10, 99);
      await store.applyPushResults(batch, [applied(batch[0], 2, { data: { stock: 8 } })], {});
      await pulled(store, 'sku-1', 3, { stock: 5 }); // another device's -3 on top of ours
      equal(await stockOf(store), 5, 'after the page, before the watermark: our answered op is in version 3');
      await store.confirm(1);
      equal(await stockOf(store), 5);
      equal(await store.ops(['pending', 'syncing', 'synced']), []);
    });
  },

  async 'a pending increment stays added on top of pulled data from other devices'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { stock: 10 });
      await store.confirm(0);
      await store.increment('products', 'sku-1', { stock: -2 }, AT); // offline: pending
      await pulled(store, 'sku-1', 2, { stock: 7 }); // another device sold 3
      await store.confirm(0);
      equal(await store.get('products', 'sku-1'), { collection: 'products', id: 'sku-1', data: { stock: 5 },
        version: 2, pending: true });
      await pulled(store, 'sku-1', 3, { stock: 8, name: 'rice' }); // and restocked 1
      await store.confirm(0);
      equal((await store.get('products', 'sku-1')).data, { stock: 6, name: 'rice' });
      await store.takeBatch(10, 99); // in flight (syncing): still on top
      await pulled(store, 'sku-1', 4, { stock: 9, name: 'rice' });
      equal([(await store.counts()).syncing, await stockOf(store)], [1, 7]);
    });
  },

  async 'a lost answer followed by a pull whose lastProcessedOpId covers the increment: no double count'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { stock: 10 });
      await pulled(store, 'sku-2', 1, { stock: 10 });
      await store.increment('products', 'sku-1', { stock: -2 }, AT); // op 1
      await store.increment('products', 'sku-2', { stock: -4 }, AT); // op 2
      const [first, second] = await store.takeBatch(10, 99);
      // the server applied both; no answer came: op 1 goes back to pending, op 2 is still syncing (a crash)
      await store.releaseBatch([first]);
      equal((await store.ops(['pending', 'syncing'])).map((o) => [o.opId, o.state]),
        [[1, 'pending'], [2, 'syncing']]);
      await pulled(store, 'sku-1', 2, { stock: 8 });
      await pulled(store, 'sku-2', 2, { stock: 6 });
      await store.confirm(2);
      equal([await stockOf(store), await stockOf(store, 'sku-2')], [8, 6], 'the pulled values: the deltas once');
      equal((await store.get('products', 'sku-1')).pending, true, 'the op is re-sent (a duplicate) before it leaves');
      // the re-send is answered from the server's stored result
      await store.releaseBatch([second]);
      const again = await store.takeBatch(10, 99);
      await store.applyPushResults(again, [applied(again[0], 2, { data: { stock: 8 }, duplicate: true }),
        applied(again[1], 2, { data: { stock: 6 }, duplicate: true })], {});
      equal([await stockOf(store), await stockOf(store, 'sku-2')], [8, 6]);
    });
  },

  async 'a rejected increment goes to the failed list; the view drops its delta'() {
    await withStore(async (store) => {
      await pulled(store, 'sku-1', 1, { stock: 10, price: 3 });
      await store.increment('products', 'sku-1', { price: 1 }, AT);
      const batch = await store.takeBatch(10, 99);
      await store.increment('products', 'sku-1', { stock: -1 }, AT); // op 2, pending behind it
      await store.applyPushResults(batch, [{ opId: 1, status: 'rejected', collection: 'products', id: 'sku-1',
        error: { code: 'invalid_operation', message: 'price is not a counter', fields: ['price'] } }], {});
      equal((await store.get('products', 'sku-1')).data, { stock: 9, price: 3 });
      const [failed] = await store.ops(['failed']);
      equal([failed.type, failed.data, failed.error.code, failed.error.fields],
        ['increment', { price: 1 }, 'invalid_operation', [{ field: 'price', message: '' }]]);
      await store.discard(1);
      equal((await store.get('products', 'sku-1')).data, { stock: 9, price: 3 });
    });
  },
};
