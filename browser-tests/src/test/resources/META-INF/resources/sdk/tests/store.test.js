// The IndexedDB store on its own (real IndexedDB of the test browser): local writes, folding, batches, push answers,
// temp ids, pull pages, rebase.
import { LocalStore } from '/sdk/internal/store.js';
import { equal, ok, rejects } from './assert.js';
import { drop, freshName } from './until.js';

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
};
