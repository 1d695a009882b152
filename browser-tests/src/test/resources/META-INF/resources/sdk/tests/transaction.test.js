// client.transaction (contract v1.2, op groups: all or nothing) against a scripted server: one group id on the wire in
// one push, nothing written when the callback throws, folding inside and the refusal of a second unfoldable write,
// batching (a group whole in one push), failed groups (all failed, the view the server's, discard takes the group),
// listeners and other tabs told after the commit.
import { json } from './fake-server.js';
import { equal, ok, rejects } from './assert.js';
import { until } from './until.js';
import { clientHarness } from './client-harness.js';

const GROUP = /^g-[0-9a-f-]{36}$/;

const withClient = clientHarness('tx', ['sales', 'products', 'notes']);

/** The operations of each push, as opIds. */
const pushes = (server) => server.calls('sync/push').map((r) => r.body.operations.map((o) => o.opId));

/** A product on the server and in the local store, synced (nothing pending). */
async function product(client, data = { name: 'Rice', stock: 10, price: 3 }) {
  await client.records('products').create('sku-1', data);
  equal((await client.syncNow()).error, null);
  equal((await client.pendingOps()).length, 0);
}

/**
 * A push handler that applies groups all or nothing, as the server does: in a group, an increment of a field other
 * than `stock` is rejected and every other op of the group is rejected with `group_failed`.
 */
function groupServer(server) {
  server.on('sync/push', (r) => {
    const ops = r.body.operations;
    const culprits = new Map();
    for (const o of ops) {
      if (o.type === 'increment' && Object.keys(o.data).some((f) => f !== 'stock')) culprits.set(o.group ?? o.opId, o);
    }
    const results = ops.map((o) => {
      const culprit = culprits.get(o.group ?? o.opId);
      if (!culprit) return { opId: o.opId, status: 'applied', collection: o.collection, id: o.id, version: 2 };
      const error = culprit === o ? { code: 'invalid_operation', message: 'not a counter', fields: ['price'] }
        : { code: 'group_failed', message: `op ${culprit.opId} of the group failed`, fields: [] };
      return { opId: o.opId, status: 'rejected', collection: o.collection, id: o.id, error };
    });
    return json({ lastProcessedOpId: Math.max(...ops.map((o) => o.opId)), results });
  });
}

export const tests = {
  async 'a transaction\'s ops share one group and go into one push with "group" on the wire'() {
    await withClient({}, async (client, server) => {
      await product(client);
      const changes = [];
      client.onChange((c) => changes.push(c));
      const result = await client.transaction(async (tx) => {
        const sale = await tx.records('sales').create('s-1', { total: 6 });
        equal(sale.data, { total: 6 });
        // the callback may await anything in between: the writes are staged, not an open IndexedDB transaction
        await new Promise((resolve) => setTimeout(resolve, 30));
        const rice = await tx.records('products').increment('sku-1', { stock: -2 });
        equal(rice.data.stock, 8, 'the write\'s result is the view with the transaction\'s writes');
        equal((await tx.records('sales').get('s-1')).data, { total: 6 }, 'get inside sees the transaction');
        equal((await tx.records('sales').list()).map((r) => r.id), ['s-1'], 'list inside sees the transaction');
        equal(changes.length, 0, 'nobody hears of a write before the commit');
        equal(await client.records('sales').get('s-1'), null, 'not visible outside before the commit');
        return 'done';
      });
      equal(result, 'done', 'the callback\'s result');
      ok(changes.some((c) => c.origin === 'local' && c.collection === 'sales' && c.ids.includes('s-1')), 'told');
      ok(changes.some((c) => c.collection === 'products' && c.ids.includes('sku-1')));
      const pending = await client.pendingOps();
      equal(pending.map((o) => [o.type, o.collection, o.id]), [['create', 'sales', 's-1'],
        ['increment', 'products', 'sku-1']]);
      ok(GROUP.test(pending[0].group), pending[0].group);
      equal(pending[1].group, pending[0].group, 'one group');
      equal((await client.records('products').get('sku-1')).data.stock, 8);
      await until(() => client.status().pendingOps === 2, 2000, 'the badge');
      equal((await client.syncNow()).pushed, 2);
      const last = server.calls('sync/push').at(-1).body.operations;
      equal(last.map((o) => o.opId), pending.map((o) => o.opId), 'both in one push');
      equal(last.map((o) => o.group), [pending[0].group, pending[0].group], '"group" on the wire');
      equal('group' in server.calls('sync/push')[0].body.operations[0], false, 'an op outside has no group');
      await client.transaction(async (tx) => {
        await tx.records('notes').create('n-1', { a: 1 });
      });
      ok((await client.pendingOps())[0].group !== pending[0].group, 'each transaction its own group');
    });
  },

  async 'a callback that throws leaves nothing written or queued; a write after the callback is refused'() {
    await withClient({}, async (client) => {
      await product(client);
      const changes = [];
      client.onChange((c) => changes.push(c));
      let leaked;
      await rejects(client.transaction(async (tx) => {
        leaked = tx;
        await tx.records('sales').create('s-1', { total: 6 });
        await tx.records('products').increment('sku-1', { stock: -2 });
        throw new Error('the till was closed');
      }), /the till was closed/);
      equal(await client.pendingOps(), [], 'nothing queued');
      equal(await client.records('sales').get('s-1'), null, 'nothing written');
      equal((await client.records('products').get('sku-1')).data.stock, 10);
      equal(changes, [], 'nobody was told');
      await rejects(() => leaked.records('sales').create('s-2', { total: 1 }), /transaction is over/);
      equal(await client.pendingOps(), []);
      await rejects(() => client.transaction(), TypeError);
    });
  },

  async 'inside a transaction writes of one record fold into one op; one that cannot fold is refused, nothing written'() {
    await withClient({}, async (client) => {
      await product(client);
      await client.transaction(async (tx) => {
        await tx.records('sales').create('s-1', { total: 6, lines: 1 });
        await tx.records('sales').update('s-1', { total: 9 });
        await tx.records('products').increment('sku-1', { stock: -2 });
        await tx.records('products').increment('sku-1', { stock: -1 });
        await tx.records('notes').create('n-1', { count: 1 });
        await tx.records('notes').increment('n-1', { count: 2 });
      });
      equal((await client.pendingOps()).map((o) => [o.type, o.id, o.data]), [
        ['create', 's-1', { total: 9, lines: 1 }], ['increment', 'sku-1', { stock: -3 }],
        ['create', 'n-1', { count: 3 }]]);
      const before = await client.pendingOps();

      await rejects(client.transaction(async (tx) => {
        await tx.records('notes').create('n-2', { a: 1 });
        await tx.records('products').increment('sku-1', { stock: -1 });
        await tx.records('products').update('sku-1', { name: 'Rice 2 kg' });
      }), /a transaction changes a record once: products\/sku-1/);
      equal(await client.pendingOps(), before, 'the refused transaction wrote nothing');
      equal(await client.records('notes').get('n-2'), null);
      equal((await client.records('products').get('sku-1')).data.stock, 7);
    });
  },

  async 'a group\'s ops never fold with ops outside it, before or after'() {
    await withClient({}, async (client) => {
      await product(client);
      await client.records('products').update('sku-1', { name: 'Rice 2 kg' }); // unsent, outside
      await client.transaction(async (tx) => {
        await tx.records('products').update('sku-1', { price: 4 });
      });
      await client.records('products').update('sku-1', { price: 5 }); // outside, after
      const ops = await client.pendingOps();
      equal(ops.map((o) => [o.data, o.group === null]), [[{ name: 'Rice 2 kg' }, true], [{ price: 4 }, false],
        [{ price: 5 }, true]]);
      equal((await client.records('products').get('sku-1')).data, { name: 'Rice 2 kg', stock: 10, price: 5 });
    });
  },

  async 'at most 1000 ops in a transaction'() {
    await withClient({}, async (client) => {
      const error = await rejects(client.transaction(async (tx) => {
        for (let i = 0; i <= 1000; i++) await tx.records('notes').create(`n-${i}`, { i });
      }), /at most 1000 changes/);
      equal(error.name, 'RangeError');
      equal(await client.pendingOps(), []);
    });
  },

  async 'batching: a group goes whole into one push; one that does not fit waits; a larger one goes alone'() {
    await withClient({ pushBatchSize: 3 }, async (client, server) => {
      const notes = client.records('notes');
      await notes.create('n-1', {});
      await notes.create('n-2', {});
      await client.transaction(async (tx) => {
        for (const id of ['n-3', 'n-4']) await tx.records('notes').create(id, {});
      });
      await client.transaction(async (tx) => {
        for (const id of ['n-5', 'n-6', 'n-7', 'n-8']) await tx.records('notes').create(id, {});
      });
      await notes.create('n-9', {});
      await client.transaction(async (tx) => {
        await tx.records('notes').create('n-10', {});
      });
      const ids = (await client.pendingOps()).map((o) => o.opId);
      equal(ids.length, 10);
      equal((await client.syncNow()).pushed, 10);
      const at = (i) => ids[i - 1];
      equal(pushes(server), [[at(1), at(2)], [at(3), at(4)], [at(5), at(6), at(7), at(8)], [at(9), at(10)]]);
      const wire = server.calls('sync/push').map((r) => r.body.operations.map((o) => o.group ?? null));
      equal(wire[0], [null, null]);
      ok(wire[1][0] !== null && wire[1][1] === wire[1][0]);
      ok(wire[2].every((g) => g !== null && g === wire[2][0]) && wire[2][0] !== wire[1][0]);
      equal(wire[3][0], null);
      ok(wire[3][1] !== null);

      // a batch still ends before a second op of one record: between a group and the ops before it
      await notes.update('n-1', { a: 1 });
      await client.transaction(async (tx) => {
        await tx.records('notes').create('n-11', {});
        await tx.records('notes').update('n-1', { b: 2 });
      });
      const later = (await client.pendingOps()).map((o) => o.opId);
      await client.syncNow();
      equal(pushes(server).slice(4), [[later[0]], [later[1], later[2]]]);
    });
  },

  async 'a failed group: its ops are all failed, the view shows the server\'s state, discard takes the group'() {
    await withClient({}, async (client, server) => {
      await product(client);
      groupServer(server);
      await client.transaction(async (tx) => {
        await tx.records('sales').create('s-1', { total: 6 });
        await tx.records('products').increment('sku-1', { stock: -2, price: 1 });
      });
      await client.records('notes').create('n-1', { a: 1 }); // outside the group: applied
      equal((await client.records('products').get('sku-1')).data, { name: 'Rice', stock: 8, price: 4 });
      const result = await client.syncNow();
      equal([result.pushed, result.applied, result.rejected], [3, 1, 2]);
      const failed = await client.failedOps();
      equal(failed.map((o) => [o.collection, o.id, o.error.code]), [['sales', 's-1', 'group_failed'],
        ['products', 'sku-1', 'invalid_operation']]);
      ok(GROUP.test(failed[0].group) && failed[1].group === failed[0].group, 'QueuedOperation.group');
      equal(await client.records('sales').get('s-1'), null, 'the sale is gone from the view');
      equal((await client.records('products').get('sku-1')).data, { name: 'Rice', stock: 10, price: 3 },
        'the server\'s state: the group\'s effects are dropped');
      equal(client.status().failedOps, 2);

      const changes = [];
      client.onChange((c) => changes.push(c));
      equal(await client.discard(failed[1].opId), true);
      equal(await client.failedOps(), [], 'discard took the group');
      ok(changes.some((c) => c.collection === 'sales') && changes.some((c) => c.collection === 'products'));
      equal(await client.discard(failed[0].opId), false, 'already gone');
    });
  },

  async 'a group whose culprit is a conflict: keep-server (the default handler) discards the whole group'() {
    await withClient({}, async (client, server) => {
      await product(client);
      server.on('sync/push', (r) => json({
        lastProcessedOpId: Math.max(...r.body.operations.map((o) => o.opId)),
        results: r.body.operations.map((o) => (o.type === 'update'
          ? { opId: o.opId, status: 'conflict', collection: o.collection, id: o.id, version: 1, reason: 'stale',
            data: { name: 'Rice', stock: 10, price: 3 }, conflict: { strategy: 'reject', fields: ['price'] } }
          : { opId: o.opId, status: 'rejected', collection: o.collection, id: o.id,
            error: { code: 'group_failed', message: 'the group failed', fields: [] } })),
      }));
      await client.transaction(async (tx) => {
        await tx.records('sales').create('s-1', { total: 6 });
        await tx.records('products').update('sku-1', { price: 4 });
      });
      const result = await client.syncNow();
      equal([result.conflicts, result.rejected], [1, 1]);
      equal(await client.conflictedOps(), []);
      equal(await client.failedOps(), [], 'the group went with its culprit');
      equal(await client.records('sales').get('s-1'), null);
      equal((await client.records('products').get('sku-1')).data.price, 3);
    });
  },

  async 'a commit replays the writes on the store as it is then: one refused then rejects the whole transaction'() {
    await withClient({}, async (client) => {
      await product(client);
      await rejects(client.transaction(async (tx) => {
        await tx.records('sales').create('s-1', { total: 6 });
        await tx.records('products').increment('sku-1', { stock: -2 });
        await client.records('products').delete('sku-1'); // outside the transaction, e.g. another tab
      }), /no record products\/sku-1/);
      equal((await client.pendingOps()).map((o) => [o.type, o.group]), [['delete', null]]);
      equal(await client.records('sales').get('s-1'), null, 'nothing of the transaction');
    });
  },

  async 'another tab hears of a transaction\'s writes after the commit and shows them'() {
    await withClient({}, async (tab1, server, open) => {
      const tab2 = await open();
      const heard = [];
      tab2.onChange((c) => heard.push(c));
      await tab1.transaction(async (tx) => {
        await tx.records('sales').create('s-1', { total: 6 });
        await tx.records('notes').create('n-1', { a: 1 });
      });
      await until(() => heard.some((c) => c.collection === 'sales' && c.ids.includes('s-1'))
        && heard.some((c) => c.collection === 'notes'), 5000, 'the other tab told');
      equal((await tab2.records('sales').get('s-1')).data, { total: 6 });
      await Promise.all([tab1.syncNow(), tab2.syncNow()]);
      const sent = server.calls('sync/push').flatMap((r) => r.body.operations.map((o) => o.opId));
      equal(sent.length, 2, `each op once: ${sent}`);
      equal(server.calls('sync/push').length, 1, 'one push');
    });
  },
};
