// Lost or shared devices: a 403 `device_revoked` (contract v1.2, "Device revocation") wipes this device's store and
// takes a new deviceId; `wipeLocalData()` deletes the user's store ("sign out and wipe"). Against a scripted server;
// the end-to-end revocation by an admin is DeviceRevocationBrowserTest.
import { FakeServer, json } from './fake-server.js';
import { equal, ok, rejects } from './assert.js';
import { until } from './until.js';
import { clientHarness } from './client-harness.js';
import { storeNames } from './storage.js';

const withClient = clientHarness('wipe', ['notes']);

const REVOKED = () => json({ type: 'about:blank', title: 'Device revoked', status: 403, code: 'device_revoked',
  detail: 'device d-x was revoked by an admin' }, 403);

const NOTES_SCHEMA = { collections: { notes: { idMode: 'client', visibility: 'tenant', appendOnly: false,
  canWrite: true, schema: { type: 'object', properties: { a: { type: 'integer' } } } } }, allowUndeclared: true };


export const tests = {
  async 'device_revoked: records, queue, cursor and schemas are wiped, a new deviceId, reported as kind revoked'() {
    const server = new FakeServer();
    server.on('collections', () => json(NOTES_SCHEMA));
    await withClient({}, async (client) => {
      const old = client.deviceId;
      await client.records('notes').create('n-1', { a: 1 });
      server.on('sync/pull', () => json({ changes: [{ collection: 'notes', id: 's-1', version: 1, data: { a: 2 } }],
        cursor: 'c1', hasMore: false, lastProcessedOpId: 1 }));
      equal((await client.syncNow()).error, null);
      ok(client.collectionRules('notes') !== null, 'schemas known');
      await client.records('notes').create('n-2', { a: 3 }); // unsent

      const statuses = [];
      client.subscribe((s) => statuses.push(s));
      const changes = [];
      client.onChange((c) => changes.push(c));
      server.on('sync/push', REVOKED);
      const result = await client.syncNow();
      equal([result.error.kind, result.error.code, result.error.status], ['revoked', 'device_revoked', 403]);
      ok(result.error.message.includes(old) && result.error.message.includes(client.deviceId), result.error.message);
      ok(client.deviceId !== old && /^d-/.test(client.deviceId), 'a new deviceId');
      equal(await client.records('notes').list(), [], 'no records');
      equal(await client.pendingOps(), [], 'no queue');
      equal(client.collectionRules('notes'), null, 'no schemas');
      await until(() => statuses.at(-1)?.lastError?.kind === 'revoked' && statuses.at(-1).pendingOps === 0, 5000,
        'the status listeners told');
      equal(statuses.at(-1).state, 'error');
      ok(changes.some((c) => c.collection === 'notes' && c.ids.length === 0 && c.origin === 'sync'),
        'data listeners: reload the collection');

      // the next sync starts over as the new device: no cursor (a snapshot), opIds from 1
      server.on('sync/push', (r) => json({ lastProcessedOpId: 1, results: r.body.operations.map((o) => ({
        opId: o.opId, status: 'applied', collection: o.collection, id: o.id, version: 1 })) }));
      await client.records('notes').create('n-3', { a: 4 });
      equal((await client.syncNow()).error, null);
      const push = server.calls('sync/push').at(-1).body;
      equal([push.deviceId, push.operations.map((o) => o.opId)], [client.deviceId, [1]]);
      const pull = server.calls('sync/pull').at(-1).url.searchParams;
      equal([pull.get('deviceId'), pull.get('cursor')], [client.deviceId, null]);
      ok(client.collectionRules('notes') !== null, 'fetched again');
    }, server);
  },

  async 'device_revoked on a pull wipes too, and the other tab takes the new deviceId'() {
    await withClient({}, async (tab1, server, open) => {
      const tab2 = await open();
      await tab1.records('notes').create('n-1', { a: 1 });
      server.on('sync/pull', REVOKED);
      equal((await tab1.syncNow()).error.kind, 'revoked');
      await until(() => tab2.deviceId === tab1.deviceId, 5000, 'the other tab told');
      equal(await tab2.records('notes').list(), []);
      server.on('sync/pull', (r) => json({ changes: [], cursor: 'c', hasMore: false, lastProcessedOpId: 0 }));
      equal((await tab2.syncNow()).error, null);
      equal(server.calls('sync/pull').at(-1).url.searchParams.get('deviceId'), tab1.deviceId);
    });
  },

  async 'a live stream refused with device_revoked makes a sync that wipes; the stream reopens as the new device'() {
    await withClient({ liveUpdates: true, backoff: { baseMs: 50, capMs: 200 } }, async (client, server) => {
      const old = client.deviceId;
      const kinds = [];
      client.subscribe((status) => kinds.push(status.lastError?.kind));
      const revokedOrElse = (answer) => (r) => (r.url.searchParams.get('deviceId') === old ? REVOKED() : answer(r));
      server.on('sync/stream', revokedOrElse(() => new Response(new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(': connected\n\n'));
        },
      }), { headers: { 'Content-Type': 'text/event-stream' } })));
      server.on('sync/pull', revokedOrElse(() => json({ changes: [], cursor: 'c', hasMore: false,
        lastProcessedOpId: 0 })));
      await until(() => client.deviceId !== old, 5000, 'the wipe after the refused stream');
      await until(() => server.calls('sync/stream').some((r) => r.url.searchParams.get('deviceId') === client.deviceId),
        5000, 'the stream opened as the new device');
      await until(() => kinds.includes('revoked'), 5000, 'the status listeners told');
      equal(server.calls('sync/pull')[0].url.searchParams.get('deviceId'), old, 'the sync the refusal asked for');
    });
  },

  async 'wipeLocalData deletes the user\'s database and closes the client; a new one starts empty'() {
    await withClient({}, async (client, server, open) => {
      const old = client.deviceId;
      const name = client.store.name;
      await client.records('notes').create('n-1', { a: 1 });
      ok((await storeNames()).includes(name));
      await client.wipeLocalData();
      ok(!(await storeNames()).includes(name), 'the database is gone');
      await rejects(client.records('notes').get('n-1'), /closed.*wiped/);
      await rejects(client.syncNow(), /closed/);
      const fresh = await open();
      ok(fresh.deviceId !== old, 'a new device');
      equal(await fresh.records('notes').list(), []);
      equal(await fresh.pendingOps(), []);
    });
  },

  async 'wipeLocalData closes the user\'s clients in other tabs'() {
    await withClient({}, async (tab1, server, open) => {
      const tab2 = await open();
      await tab2.records('notes').create('n-1', { a: 1 });
      const name = tab1.store.name;
      await tab1.wipeLocalData();
      ok(!(await storeNames()).includes(name));
      await until(() => tab2.closed, 5000, 'the other tab closed');
      await rejects(tab2.records('notes').list(), /closed/);
    });
  },
};
