// The React bindings (`outpost-sync/react`, /sdk/react.js) in Chromium with React 18 from the WebJars (react.html):
// live reads that follow local writes, pulls and other tabs, a temporary id followed to the server's id, the status,
// Sync Now, and the shop example's till (examples/shop/till/Till.js) selling offline and syncing.
import { createElement as h } from 'react';
import { SyncClientProvider, useRecord, useRecords, useSyncNow, useSyncStatus } from 'outpost-sync/react';
import { FakeServer, applyAll, json } from './fake-server.js';
import { equal, ok } from './assert.js';
import { until } from './until.js';
import { clientHarness } from './client-harness.js';
import { TILL_COLLECTIONS, Till } from './examples/shop-till/Till.js';

const withClient = clientHarness('react', ['notes', { name: 'tickets', serverIds: true }]);

/** Renders `element` under a SyncClientProvider of `client` into a fresh node; `work(node)`; unmounts. */
async function rendered(client, element, work) {
  const node = document.createElement('div');
  document.getElementById('stage').append(node);
  const root = globalThis.ReactDOM.createRoot(node);
  root.render(h(SyncClientProvider, { client }, element));
  try {
    await work(node);
  } finally {
    root.unmount();
    node.remove();
  }
}

/** A component that shows `value()` (a hook's result) as JSON in a <pre>. */
const Show = ({ value }) => h('pre', null, JSON.stringify(value() ?? 'loading'));
/** What the component shows (undefined before React's first commit). */
const shown = (node) => (node.textContent ? JSON.parse(node.textContent) : undefined);
const waitShown = async (node, test, what) => (await until(() => {
  const value = shown(node);
  return test(value) ? { value } : null; // wrapped: null may be what is waited for
}, 5000, what)).value;

const ids = (records) => (Array.isArray(records) ? records.map((r) => `${r.id}:${r.data.a}`) : records);

export const tests = {
  async 'useRecords: loading, then the list; re-rendered after a local write, a pull and another tab\'s write'() {
    await withClient({}, async (client, server, open) => {
      await client.records('notes').create('n-1', { a: 1 });
      await rendered(client, h(Show, { value: () => ids(useRecords('notes')) }), async (node) => {
        await waitShown(node, (v) => Array.isArray(v) && v.length === 1, 'the first read');
        equal(shown(node), ['n-1:1']);
        await client.records('notes').update('n-1', { a: 2 });
        await waitShown(node, (v) => v?.[0] === 'n-1:2', 'the local update');
        server.on('sync/pull', () => json({ changes: [{ collection: 'notes', id: 's-1', version: 1, data: { a: 9 } }],
          cursor: 'c1', hasMore: false, lastProcessedOpId: 1 }));
        equal((await client.syncNow()).error, null);
        await waitShown(node, (v) => Array.isArray(v) && v.includes('s-1:9'), 'the pulled record');
        const tab2 = await open();
        await tab2.records('notes').create('n-2', { a: 3 });
        await waitShown(node, (v) => Array.isArray(v) && v.includes('n-2:3'), 'the other tab\'s write');
        equal(shown(node), ['n-1:2', 'n-2:3', 's-1:9']);
      });
    });
  },

  async 'useRecords with a query: only matching records, following writes that make a record match or not'() {
    await withClient({}, async (client) => {
      await client.records('notes').create('n-1', { a: 1 });
      await client.records('notes').create('n-2', { a: 2 });
      await rendered(client, h(Show, { value: () => ids(useRecords('notes', { a: 2 })) }), async (node) => {
        await waitShown(node, (v) => Array.isArray(v), 'the first read');
        equal(shown(node), ['n-2:2']);
        await client.records('notes').update('n-1', { a: 2 });
        await waitShown(node, (v) => v?.length === 2, 'n-1 matching');
        await client.records('notes').delete('n-2');
        await waitShown(node, (v) => v?.length === 1, 'n-2 deleted');
        equal(shown(node), ['n-1:2']);
      });
    });
  },

  async 'useRecord: the record, null once deleted; a temporary id is followed to the server\'s id'() {
    await withClient({}, async (client, server) => {
      const ticket = await client.records('tickets').create(null, { a: 1 });
      ok(ticket.id.startsWith('tmp-'), ticket.id);
      const Ticket = () => {
        const r = useRecord('tickets', ticket.id);
        return h('pre', null, JSON.stringify(r === undefined ? 'loading' : r && { id: r.id, a: r.data.a,
          pending: r.pending }));
      };
      await rendered(client, h(Ticket), async (node) => {
        await waitShown(node, (v) => v !== undefined && v !== 'loading', 'the first read');
        equal(shown(node), { id: ticket.id, a: 1, pending: true });
        server.on('sync/push', (r) => json({ lastProcessedOpId: 1, results: r.body.operations.map((o) => ({
          opId: o.opId, status: 'applied', collection: o.collection, id: 't-42', tempId: o.tempId, version: 1 })) }));
        equal((await client.syncNow()).error, null);
        await waitShown(node, (v) => v?.id === 't-42', 'the server\'s id');
        equal(shown(node), { id: 't-42', a: 1, pending: false });
        await client.records('tickets').delete('t-42');
        await waitShown(node, (v) => v === null, 'the delete');
      });
    });
  },

  async 'useSyncStatus and useSyncNow: pending after a write, synced after the button\'s sync, with its result'() {
    await withClient({}, async (client, server) => {
      const Panel = () => {
        const status = useSyncStatus();
        const { syncNow, running, result } = useSyncNow();
        return h('div', null,
          h('pre', null, JSON.stringify({ summary: status.summary, pendingOps: status.pendingOps, running,
            pushed: result?.pushed ?? null })),
          h('button', { onClick: () => syncNow() }, 'Sync now'));
      };
      let release;
      const gate = new Promise((resolve) => {
        release = resolve;
      });
      server.on('sync/push', async (r) => {
        await gate;
        return applyAll(r);
      });
      await rendered(client, h(Panel), async (node) => {
        const state = () => JSON.parse(node.querySelector('pre')?.textContent ?? '{}');
        await until(() => state().summary === 'synced', 5000, 'synced at first');
        await client.records('notes').create('n-1', { a: 1 });
        await until(() => state().summary === 'pending' && state().pendingOps === 1, 5000, 'pending');
        node.querySelector('button').click();
        await until(() => state().running, 5000, 'running while the push is held');
        release();
        await until(() => !state().running && state().summary === 'synced', 5000, 'synced after the sync');
        equal(state(), { summary: 'synced', pendingOps: 0, running: false, pushed: 1 });
        equal(server.calls('sync/push').length, 1);
      });
    });
  },

  async 'the shop till: a sale shows at once offline (stock down, receipt pending), then syncs as one op group'() {
    const server = new FakeServer();
    server.on('sync/pull', () => json({ changes: [
      { collection: 'products', id: 'sku-1', version: 1, data: { name: 'Maize flour 2 kg', priceCents: 349,
        currency: 'USD', active: true } },
      { collection: 'products', id: 'sku-2', version: 1, data: { name: 'Tea 100 bags', priceCents: 250,
        currency: 'USD' } },
      { collection: 'stock', id: 'sku-1', version: 1, data: { onHand: 48 } },
      { collection: 'stock', id: 'sku-2', version: 1, data: { onHand: 5 } },
    ], cursor: 'c1', hasMore: false, lastProcessedOpId: 0 }));
    const tillClient = clientHarness('till', TILL_COLLECTIONS);
    await tillClient({}, async (client) => {
      equal((await client.syncNow()).error, null);
      server.on('sync/pull', () => json({ changes: [], cursor: 'c2', hasMore: false, lastProcessedOpId: 0 }));
      let offline = true;
      server.on('sync/push', (r) => (offline ? Promise.reject(new TypeError('Failed to fetch'))
        : json({ lastProcessedOpId: Math.max(...r.body.operations.map((o) => o.opId)),
          results: r.body.operations.map((o) => ({ opId: o.opId, status: 'applied', collection: o.collection,
            id: o.tempId ? `${o.collection}-${o.opId}` : o.id, ...(o.tempId ? { tempId: o.tempId } : {}),
            version: (o.baseVersion ?? 0) + 1 })) })));
      await rendered(client, h(Till, { till: 'till-1', cashier: 'till1' }), async (node) => {
        const row = (sku) => node.querySelector(`li[data-sku="${sku}"]`);
        const onHand = (sku) => row(sku)?.querySelector('[data-test="on-hand"]').textContent;
        await until(() => onHand('sku-1') === '48' && onHand('sku-2') === '5', 5000, 'the shelf');
        row('sku-1').querySelector('[data-test="add"]').click();
        await until(() => row('sku-1').querySelector('[data-test="in-cart"]').textContent === '1', 5000, 'one in');
        row('sku-1').querySelector('[data-test="add"]').click();
        row('sku-2').querySelector('[data-test="add"]').click();
        await until(() => row('sku-1').querySelector('[data-test="in-cart"]').textContent === '2'
          && row('sku-2').querySelector('[data-test="in-cart"]').textContent === '1', 5000, 'the cart');
        node.querySelector('[data-test="sell"]').click();
        await until(() => onHand('sku-1') === '46' && onHand('sku-2') === '4', 5000, 'the stock after the sale');
        const receipt = () => node.querySelector('[data-test="receipts"] li');
        await until(() => receipt()?.dataset.pending === 'true', 5000, 'the receipt, pending');
        ok(receipt().textContent.includes('USD 9.48'), receipt().textContent);
        const result = await client.syncNow();
        equal(result.error?.kind, 'offline');
        await until(() => node.querySelector('[data-test="summary"]').dataset.summary === 'offline', 5000,
          'the badge: offline');

        offline = false;
        equal((await client.syncNow()).error, null);
        await until(() => receipt()?.dataset.pending === 'false', 5000, 'the receipt, synced');
        ok(receipt().dataset.id.startsWith('sales-'), `the server's id: ${receipt().dataset.id}`);
        await until(() => node.querySelector('[data-test="summary"]').dataset.summary === 'synced', 5000, 'synced');
        const push = server.calls('sync/push').at(-1).body.operations;
        equal(push.map((o) => o.collection).sort(), ['sale_items', 'sale_items', 'sales', 'stock', 'stock',
          'stock_movements', 'stock_movements']);
        equal(new Set(push.map((o) => o.group)).size, 1, 'one op group');
        equal(push.filter((o) => o.type === 'increment').map((o) => [o.id, o.data.onHand]).sort(),
          [['sku-1', -2], ['sku-2', -1]]);
        equal(onHand('sku-1'), '46');
      });
    }, server);
  },
};
