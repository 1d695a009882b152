// The SyncClient's sync logic against a scripted server (FakeServer replaces fetch in this page): results, batches,
// paging, single flight, conflicts, retries, Retry-After, 401, auto-sync settings, status and data events, tabs.
import { openSyncClient } from '/sdk/outpost-sync.js';
import { FakeServer, applyAll, json } from './fake-server.js';
import { equal, ok, rejects } from './assert.js';
import { until } from './until.js';
import { clientHarness } from './client-harness.js';
import { needs } from './storage.js';

const withClient = clientHarness('client', ['notes']);

/** Pushes are answered (all applied) only once the returned function is called. */
function holdPushes(server) {
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  server.on('sync/push', async (r) => {
    await gate;
    return applyAll(r);
  });
  return release;
}

const page = (changes, cursor, hasMore = false, extra = {}) => json({ changes, cursor, hasMore,
  lastProcessedOpId: 0, ...extra });

/**
 * A scripted shop server with counters (`stock`, `visits`): it holds products, applies each (device, opId) once (a
 * re-send is answered from the stored result as a duplicate), answers increments with the whole record, refuses an
 * increment that carries a baseVersion or names another field, and pulls everything with the device's
 * lastProcessedOpId. `shop.sell(id, n)` is another device's increment.
 */
function fakeShop(server, products, counters = ['stock', 'visits']) {
  const shop = { records: new Map(), results: new Map(), last: new Map(), received: [] };
  for (const [id, data] of Object.entries(products)) shop.records.set(id, { version: 1, data: { ...data } });
  const rejected = (code, message, fields = []) => ({ status: 'rejected', error: { code, message, fields } });
  const applyOp = (deviceId, o) => {
    const key = `${deviceId}/${o.opId}`;
    if (shop.results.has(key)) return { ...shop.results.get(key), duplicate: true };
    const rec = shop.records.get(o.id);
    let result;
    if (o.type === 'increment') {
      const others = Object.keys(o.data).filter((f) => !counters.includes(f));
      if ('baseVersion' in o) result = rejected('invalid_operation', 'an increment has no baseVersion');
      else if (!rec) result = rejected('not_found', `no ${o.id}`);
      else if (others.length > 0) result = rejected('invalid_operation', 'not a counter', others);
      else {
        for (const [f, d] of Object.entries(o.data)) rec.data[f] = (rec.data[f] ?? 0) + d;
        rec.version += 1;
        result = { status: 'applied', version: rec.version, data: structuredClone(rec.data) };
      }
    } else if (o.type === 'create') {
      shop.records.set(o.id, { version: 1, data: structuredClone(o.data) });
      result = { status: 'applied', version: 1 };
    } else {
      Object.assign(rec.data, o.data);
      rec.version += 1;
      result = { status: 'applied', version: rec.version };
    }
    result = { opId: o.opId, collection: o.collection, id: o.id, ...result };
    shop.results.set(key, result);
    shop.last.set(deviceId, Math.max(shop.last.get(deviceId) ?? 0, o.opId));
    return result;
  };
  let otherOps = 0;
  shop.sell = (id, n) => applyOp('d-other', { opId: ++otherOps, type: 'increment', collection: 'products', id,
    data: { stock: -n } });
  /** Applies a push; `answer` false: the server applied it but its answer named none of the ops (lost). */
  shop.push = (r, answer = true) => {
    shop.received.push(...r.body.operations);
    const results = r.body.operations.map((o) => applyOp(r.body.deviceId, o));
    return json({ lastProcessedOpId: shop.last.get(r.body.deviceId) ?? 0, results: answer ? results : [] });
  };
  shop.pull = (r) => page([...shop.records].map(([id, rec]) => ({ collection: 'products', id, version: rec.version,
    data: structuredClone(rec.data) })), 'c1', false,
  { lastProcessedOpId: shop.last.get(r.url.searchParams.get('deviceId')) ?? 0 });
  server.on('sync/push', (r) => shop.push(r)).on('sync/pull', (r) => shop.pull(r));
  return shop;
}

const stock = async (client, id = 'sku-1') => (await client.records('products').get(id))?.data.stock;

export const tests = {
  async 'schemaVersions: checked at open, each op pushed with its own, pulls ask for them, a new version pulls afresh'() {
    await rejects(() => openSyncClient({ tokenProvider: () => 't', user: 'u', collections: ['notes'],
      schemaVersions: { other: 1 } }), /schemaVersions: "other" is not one of the collections/);
    await rejects(() => openSyncClient({ tokenProvider: () => 't', user: 'u', collections: ['notes'],
      schemaVersions: { notes: 0 } }), /the version of "notes" must be an integer/);
    await withClient({ schemaVersions: { notes: 1 } }, async (client, server, open) => {
      await client.records('notes').create('n-1', { name: 'a' });
      await client.syncNow();
      equal(server.calls('sync/push')[0].body.operations.map((o) => o.schemaVersion), [1]);
      const firstPull = server.calls('sync/pull')[0].url.searchParams;
      equal([firstPull.get('schemaVersions'), firstPull.get('cursor')], ['notes:1', null]);
      await client.syncNow();
      equal(server.calls('sync/pull')[1].url.searchParams.get('cursor'), 'c-0', 'then from its cursor');
      await client.records('notes').create('n-2', { name: 'b' });
      await client.close();
      const updated = await open({ schemaVersions: { notes: 2 } });
      await updated.records('notes').create('n-3', { fullName: 'c' });
      await updated.syncNow();
      equal(server.calls('sync/push')[1].body.operations.map((o) => [o.id, o.schemaVersion]), [['n-2', 1],
        ['n-3', 2]]);
      const pulled = server.calls('sync/pull')[2].url.searchParams;
      equal([pulled.get('schemaVersions'), pulled.get('cursor')], ['notes:2', null], 'a snapshot in the new shape');
    });
  },

  async 'upgrade_required: no sync starts by itself, the queue is kept, syncNow asks once, a success lifts it'() {
    const upgrade = () => json({ type: 'https://outpost.dev/problems/upgrade-required', status: 400,
      code: 'upgrade_required', detail: 'collection notes no longer accepts schema version 1: update the app' }, 400);
    await withClient({ schemaVersions: { notes: 1 }, syncAfterWriteMs: 10, syncOnReconnect: true,
      autoSync: { enabled: true, intervalSeconds: 30 }, backoff: { baseMs: 1, capMs: 5 } }, async (client, server) => {
      server.on('sync/push', upgrade);
      const states = [];
      client.subscribe((s) => states.push(s.summary));
      await client.records('notes').create('n-1', { name: 'a' });
      const result = await client.syncNow();
      equal([result.error.kind, result.error.code, result.error.status], ['upgrade-required', 'upgrade_required', 400]);
      ok(result.error.message.includes('update the app'), result.error.message);
      const status = client.status();
      equal([status.state, status.summary, status.pendingOps, status.nextAttemptAt], ['upgrade-required',
        'upgrade-required', 1, null]);
      ok(states.includes('upgrade-required'), states.join());
      equal(client.runner.timers.retry, null, 'no retry scheduled');
      await client.records('notes').update('n-1', { name: 'b' });
      equal(client.runner.timers.soon, null, 'a write schedules no sync');
      globalThis.dispatchEvent?.(new Event('online'));
      equal(server.calls('sync/push').length, 1, 'the online event starts none');
      equal((await client.pendingOps()).map((o) => [o.type, o.schemaVersion]), [['create', 1], ['update', 1]]);
      equal((await client.syncNow()).error.kind, 'upgrade-required');
      equal(server.calls('sync/push').length, 2, 'syncNow asks once');
      server.on('sync/push', applyAll); // the server accepts v1 again
      equal((await client.syncNow()).error, null);
      equal(client.status().summary, 'synced');
      await client.records('notes').update('n-1', { name: 'c' });
      ok(client.runner.timers.soon !== null, 'automatic syncs again');
    });
  },

  async 'syncNow pushes in batches, pulls until hasMore is false and reports what it did'() {
    await withClient({ pushBatchSize: 2 }, async (client, server) => {
      for (let i = 1; i <= 5; i++) await client.records('notes').create(`n-${i}`, { i });
      let pulls = 0;
      server.on('sync/pull', (r) => {
        pulls++;
        const c = r.url.searchParams.get('cursor');
        if (c === null) return page([{ collection: 'notes', id: 's-1', version: 1, data: { s: 1 } }], 'p1', true);
        if (c === 'p1') return page([{ collection: 'notes', id: 's-2', version: 1, data: { s: 2 } }], 'p2', true);
        return page([], 'p3', false, { lastProcessedOpId: 5 });
      });
      const result = await client.syncNow();
      equal([result.pushed, result.applied, result.merged, result.conflicts, result.rejected, result.pulled],
        [5, 5, 0, 0, 0, 2]);
      equal(result.error, null);
      ok(result.durationMs >= 0);
      equal(server.calls('sync/push').map((r) => r.body.operations.length), [2, 2, 1]);
      equal(pulls, 3);
      equal(client.status().pendingOps, 0);
      equal((await client.records('notes').list()).length, 7);
      await client.syncNow();
      equal(server.calls('sync/pull').at(-1).url.searchParams.get('cursor'), 'p3', 'the next sync goes on from the cursor');
      // the queue after the push is reported with the first page of each pull, not with the pages after it
      equal(server.calls('sync/pull').map((r) => r.url.searchParams.get('pendingOps')), ['0', null, null, '0']);
    });
  },

  async 'the browser\'s online event makes the leading tab sync'() {
    needs('window events');
    await withClient({ syncOnReconnect: true }, async (client, server) => {
      await until(() => client.status().leader, 5000, 'leadership');
      await client.records('notes').create('n-1', { a: 1 });
      equal(server.calls('sync/push').length, 0);
      window.dispatchEvent(new Event('online'));
      await until(() => client.status().pendingOps === 0 && server.calls('sync/push').length === 1, 5000, 'the sync');
    });
  },

  async 'a poke on the live stream starts a sync'() {
    let poke;
    await withClient({ liveUpdates: true }, async (client, server) => {
      server.on('sync/stream', () => new Response(new ReadableStream({
        start(controller) {
          poke = () => controller.enqueue(new TextEncoder().encode('event: poke\ndata: {"cursor":"x"}\n\n'));
          controller.enqueue(new TextEncoder().encode(': connected\n\n'));
        },
      }), { headers: { 'Content-Type': 'text/event-stream' } }));
      await until(() => client.status().leader && poke !== undefined, 5000, 'the live stream');
      equal(server.calls('sync/stream')[0].url.searchParams.get('deviceId'), client.deviceId);
      equal(server.calls('sync/pull').length, 0);
      poke();
      await until(() => server.calls('sync/pull').length === 1, 5000, 'the pull after the poke');
    });
  },

  async 'syncNow calls made while a sync runs share one second pass'() {
    await withClient({}, async (client, server) => {
      await client.records('notes').create('n-1', { a: 1 });
      const release = holdPushes(server);
      const first = client.syncNow();
      const second = client.syncNow();
      const third = client.syncNow();
      ok(first !== second, 'the running sync may have taken its ops already: a second pass');
      ok(second === third, 'one second pass for every caller meanwhile');
      await until(() => server.calls('sync/push').length === 1, 5000, 'the push');
      release();
      await Promise.all([first, second]);
      equal(server.calls('sync/push').length, 1, 'nothing new to push in the second pass');
      equal(server.calls('sync/pull').length, 2, 'each pass pulled');
    });
  },

  async 'two tabs of one user never push an op twice'() {
    await withClient({}, async (tab1, server, open) => {
      const tab2 = await open();
      for (let i = 0; i < 20; i++) await (i % 2 ? tab1 : tab2).records('notes').create(`n-${i}`, { i });
      await Promise.all([tab1.syncNow(), tab2.syncNow(), tab1.syncNow(), tab2.syncNow()]);
      const sent = server.calls('sync/push').flatMap((r) => r.body.operations.map((o) => o.opId));
      equal(sent.length, 20, `each op once: ${sent}`);
      equal(new Set(sent).size, 20);
      equal(tab1.deviceId, tab2.deviceId, 'one device: both tabs share the store');
    });
  },

  async 'a tab closed while another tab syncs stops waiting for it'() {
    await withClient({}, async (tab1, server, open) => {
      const tab2 = await open();
      await tab1.records('notes').create('n-1', { a: 1 });
      const release = holdPushes(server);
      const first = tab1.syncNow();
      await until(() => server.calls('sync/push').length === 1, 5000, 'the first tab\'s push');
      const waiting = tab2.syncNow(); // queued behind tab1's Web Lock
      await tab2.close(); // resolves although tab1 still holds the lock
      await rejects(waiting, /AbortError|closed/);
      release();
      equal((await first).pushed, 1);
    });
  },

  async 'each user on a shared device has an own store and deviceId'() {
    await withClient({}, async (u1, server, open) => {
      const u2 = await open({ user: 'u2' });
      await u1.records('notes').create('n-1', { by: 'u1' });
      ok(u1.deviceId !== u2.deviceId);
      equal(await u2.records('notes').list(), []);
      equal(u2.status().pendingOps, 0);
    });
  },

  async 'a conflict goes to the handler; reapply-local pushes again on the server version in the same sync'() {
    const seen = [];
    await withClient({
      conflictHandler: (c) => {
        seen.push(c);
        return 'reapply-local';
      },
    }, async (client, server) => {
      await client.records('notes').create('n-1', { mine: 1 });
      server.on('sync/push', (r) => {
        const op = r.body.operations[0];
        if (op.type === 'create') {
          return json({ lastProcessedOpId: op.opId, results: [{ opId: op.opId, status: 'conflict',
            collection: 'notes', id: 'n-1', version: 7, data: { theirs: 1 }, conflict: { fields: ['mine'] } }] });
        }
        return applyAll(r);
      });
      const result = await client.syncNow();
      equal(seen.map((c) => [c.id, c.serverVersion, c.serverData, c.localAttempt]),
        [['n-1', 7, { theirs: 1 }, { mine: 1 }]]);
      const pushes = server.calls('sync/push').map((r) => r.body.operations[0]);
      equal(pushes.map((o) => [o.type, o.baseVersion]), [['create', undefined], ['update', 7]]);
      equal([result.conflicts, result.applied], [1, 1]);
      equal((await client.records('notes').get('n-1')).data, { theirs: 1, mine: 1 });
    });
  },

  async 'a server error leaves the ops pending; the retry with backoff gets through'() {
    await withClient({ autoSync: { enabled: true, intervalSeconds: 3600 }, backoff: { baseMs: 20, capMs: 50 } },
      async (client, server) => {
        let n = 0;
        server.on('sync/push', (r) => (++n <= 2 ? json({ code: 'internal', title: 'boom' }, 500) : applyAll(r)));
        await client.records('notes').create('n-1', { a: 1 });
        const first = await client.syncNow();
        equal([first.error.kind, first.error.status, first.failed], ['server', 500, 1]);
        equal(client.status().state, 'error');
        await until(() => client.status().pendingOps === 0 && client.status().state === 'idle', 5000, 'the retries');
        equal(n, 3);
      });
  },

  async 'a tab that keeps writing still syncs: later writes do not postpone the due sync'() {
    await withClient({ autoSync: { enabled: true, intervalSeconds: 3600 }, syncAfterWriteMs: 150 },
      async (client, server) => {
        server.on('sync/push', applyAll).on('sync/pull', () => page([], 'c1'));
        await client.syncNow(); // the server answered: writes now trigger syncs
        let pushedWhileWriting = false;
        for (let n = 1; n <= 200 && !pushedWhileWriting; n++) {
          await client.records('notes').create(`w-${n}`, { n });
          pushedWhileWriting = server.calls('sync/push').length > 0;
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
        ok(pushedWhileWriting, 'a push went out while a write came every 30 ms (each sooner than the 150 ms delay)');
      });
  },

  async 'an op that was sent is never changed afterwards (its answer may have been lost after it was applied)'() {
    await withClient({}, async (client, server) => {
      let n = 0;
      server.on('sync/push', (r) => (++n === 1 ? json({ code: 'internal', title: 'boom' }, 500) : applyAll(r)));
      await client.records('notes').create('n-1', { a: 1 });
      equal((await client.syncNow()).error.status, 500);
      await client.records('notes').update('n-1', { a: 2 });
      await client.records('notes').update('n-1', { b: 3 }); // joins the update above, which was never sent
      for (let i = 0; i < 5 && client.status().pendingOps > 0; i++) await client.syncNow();
      equal(client.status().pendingOps, 0);
      const firstSent = new Map();
      for (const call of server.calls('sync/push')) {
        for (const op of call.body.operations) {
          if (!firstSent.has(op.opId)) firstSent.set(op.opId, op);
          else equal(JSON.stringify(op), JSON.stringify(firstSent.get(op.opId)), `opId ${op.opId} re-sent as it was`);
        }
      }
      equal([...firstSent.values()].map((op) => `${op.type} ${JSON.stringify(op.data)}`),
        ['create {"a":1}', 'update {"a":2,"b":3}']);
      equal((await client.records('notes').get('n-1')).data, { a: 2, b: 3 });
    });
  },

  async 'syncNow covers a write made while the start-up sync runs'() {
    let pulling;
    const inPull = new Promise((resolve) => { pulling = resolve; });
    await withClient({ syncOnStart: true }, async (client, server) => {
      await inPull;
      await client.records('notes').create('n-1', { a: 1 });
      const result = await client.syncNow();
      equal(result.applied, 1, 'the write made before syncNow() was pushed by it');
      equal(client.status().pendingOps, 0);
      equal(server.calls('sync/push').length, 1);
    }, new FakeServer().on('sync/pull', async () => {
      pulling();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the start-up sync is in its pull
      return page([], 'c1');
    }));
  },

  async 'no server: offline, ops kept, and nothing lost'() {
    await withClient({}, async (client, server) => {
      server.on('sync/push', () => new TypeError('Failed to fetch'));
      await client.records('notes').create('n-1', { a: 1 });
      const result = await client.syncNow();
      equal(result.error.kind, 'offline');
      equal(client.status().state, 'offline');
      equal((await client.pendingOps()).map((o) => o.state), ['pending']);
    });
  },

  async 'Retry-After is honoured: no request before it passes'() {
    await withClient({ autoSync: { enabled: true, intervalSeconds: 3600 }, backoff: { baseMs: 20, capMs: 50 } },
      async (client, server) => {
        server.on('sync/push', () => json({ code: 'rate_limited' }, 429, { 'Retry-After': '120' }));
        await client.records('notes').create('n-1', { a: 1 });
        const first = await client.syncNow();
        equal([first.error.kind, first.error.code], ['busy', 'rate_limited']);
        ok(Date.parse(client.status().nextAttemptAt) > Date.now() + 100000, 'the retry waits ~120 s, not 50 ms');
        const second = await client.syncNow();
        equal(second.error.kind, 'busy');
        equal(server.calls('sync/push').length, 1, 'the server was not asked again');
      });
  },

  async 'a sign-in with credentials gives up after timeoutMs, as every other request does'() {
    const server = new FakeServer();
    server.on('auth/token', () => new Promise(() => {})); // a server that never answers
    await withClient({ tokenProvider: undefined, credentials: { username: 'u1', password: 'p' }, timeoutMs: 300 },
      async (client) => {
        const started = performance.now();
        const result = await client.syncNow();
        const waited = performance.now() - started;
        equal(result.error?.kind, 'offline', JSON.stringify(result.error));
        ok(waited < 5000, `gave up after ${Math.round(waited)} ms, not the 30 s default`);
        equal(server.calls('auth/token').length, 1);
        equal(server.calls('sync/push').length, 0);
      }, server);
  },

  async 'a sync asked for while a failing one runs waits for the backoff\'s retry instead of going out at once'() {
    const server = new FakeServer();
    server.on('sync/push', () => new Promise(() => {})); // a black-holed network: every push ends on the timeout
    await withClient({ timeoutMs: 300, syncOnReconnect: true, autoSync: { enabled: true, intervalSeconds: 300 },
      backoff: { baseMs: 20000, capMs: 40000 } }, async (client) => {
      await client.records('notes').create('n-1', { a: 1 });
      const first = client.syncNow();
      const second = client.syncNow(); // asked for while the first runs: would have been a second push at once
      const [a, b] = await Promise.all([first, second]);
      equal([a.error?.kind, b.error?.kind], ['offline', 'offline']);
      equal(server.calls('sync/push').length, 1, 'one push; the next attempt is the scheduled retry');
      ok(client.status().nextAttemptAt !== null, 'a retry is scheduled');
    }, server);
  },

  async 'a 401 asks the token provider for a fresh token once and repeats the request'() {
    const asked = [];
    await withClient({
      tokenProvider: (refresh) => {
        asked.push(refresh);
        return refresh ? 'fresh' : 'stale';
      },
    }, async (client, server) => {
      const guard = (next) => (r) => (r.headers.get('Authorization') === 'Bearer fresh' ? next(r)
        : json({ code: 'unauthorized' }, 401, { 'WWW-Authenticate': 'Bearer' }));
      server.on('sync/push', guard(applyAll)).on('sync/pull', guard(() => page([], 'c1')));
      await client.records('notes').create('n-1', { a: 1 });
      const result = await client.syncNow();
      equal(result.error, null);
      equal(asked, [false, true]);
      server.on('sync/pull', () => json({ code: 'unauthorized' }, 401));
      const refused = await client.syncNow();
      equal([refused.error.kind, client.status().state], ['unauthorized', 'error']);
      equal(asked, [false, true, true], 'one refresh per request, then the error');
    });
  },

  async 'a reset page replaces the server state and keeps local ops'() {
    await withClient({}, async (client, server) => {
      server.on('sync/pull', () => page([{ collection: 'notes', id: 'gone', version: 1, data: {} }], 'c1'));
      await client.syncNow();
      await client.records('notes').create('mine', { a: 1 });
      server.on('sync/push', () => new TypeError('Failed to fetch'));
      await client.syncNow();
      server.on('sync/push', applyAll);
      server.on('sync/pull', () => page([{ collection: 'notes', id: 'new', version: 1, data: {} }], 'c2', false,
        { reset: true, lastProcessedOpId: 0 }));
      await client.syncNow();
      equal((await client.records('notes').list()).map((r) => r.id), ['mine', 'new']);
    });
  },

  async 'auto-sync: the interval is validated, saved and wins on the next start'() {
    await withClient({}, async (client, server, open) => {
      for (const bad of [29, 3601, 30.5, '60', null]) {
        await rejects(() => client.setAutoSync(true, bad), /whole seconds between 30 and 3600/);
      }
      await client.setAutoSync(true, 600);
      equal(client.status().autoSync, { enabled: true, intervalSeconds: 600 });
      await client.close();
      const again = await open({ autoSync: { enabled: false, intervalSeconds: 300 } });
      equal(again.status().autoSync, { enabled: true, intervalSeconds: 600 });
    });
  },

  async 'status and data listeners are told, and stop being told after unsubscribing'() {
    await withClient({}, async (client, server) => {
      const statuses = [];
      const unsubscribe = client.subscribe((s) => statuses.push(s));
      const changes = [];
      client.onChange((c) => changes.push(c), 'notes');
      server.on('sync/pull', () => page([{ collection: 'notes', id: 's-1', version: 1, data: { s: 1 } }], 'c1'));
      await client.records('notes').create('n-1', { a: 1 });
      await until(() => statuses.some((s) => s.pendingOps === 1), 2000, 'the pending badge');
      await client.syncNow();
      ok(statuses.some((s) => s.state === 'syncing'));
      equal(statuses.at(-1).state, 'idle');
      ok(statuses.at(-1).lastSyncAt !== null);
      ok(changes.some((c) => c.origin === 'local' && c.ids.includes('n-1')));
      ok(changes.some((c) => c.origin === 'sync'), 'the pull told the data listeners');
      unsubscribe();
      const seen = statuses.length;
      await client.syncNow();
      equal(statuses.length, seen);
    });
  },

  async 'server ids: a temp id is replaced by the server id'() {
    await withClient({ collections: [{ name: 'appointments', serverIds: true },
      { name: 'visits', references: { appointmentId: 'appointments' } }] }, async (client, server) => {
      const appt = await client.records('appointments').create(null, { title: 'checkup' });
      ok(appt.id.startsWith('tmp-'));
      await client.records('visits').create('v-1', { appointmentId: appt.id });
      server.on('sync/push', (r) => json({ lastProcessedOpId: 2, results: r.body.operations.map((o) => (o.tempId
        ? { opId: o.opId, status: 'applied', collection: o.collection, id: '789', tempId: o.tempId, version: 1 }
        : { opId: o.opId, status: 'applied', collection: o.collection, id: o.id, version: 1 })) }));
      await client.syncNow();
      ok((await client.records('appointments').get('789')) !== null);
      const firstPush = server.calls('sync/push')[0].body.operations;
      equal(firstPush[0].tempId, appt.id);
      equal((await client.records('visits').get('v-1')).data.appointmentId, '789');
    });
  },

  async 'a replaced temp id reaches the data listeners as replacedIds, the references\' records as changed'() {
    await withClient({ collections: [{ name: 'appointments', serverIds: true },
      { name: 'visits', references: { appointmentId: 'appointments' } }] }, async (client, server) => {
      const appt = await client.records('appointments').create(null, { title: 'checkup' });
      await client.records('visits').create('v-1', { appointmentId: appt.id });
      const changes = [];
      client.onChange((c) => changes.push(c));
      const local = [];
      client.onChange((c) => local.push(c), 'visits');
      await client.records('visits').update('v-1', { note: 'x' });
      equal(local.at(-1), { collection: 'visits', ids: ['v-1'], replacedIds: {}, origin: 'local' },
        'a plain write: replacedIds empty');
      server.on('sync/push', (r) => json({ lastProcessedOpId: 2, results: r.body.operations.map((o) => (o.tempId
        ? { opId: o.opId, status: 'applied', collection: o.collection, id: '789', tempId: o.tempId, version: 1 }
        : { opId: o.opId, status: 'applied', collection: o.collection, id: o.id, version: 1 })) }));
      await client.syncNow();
      const replaced = changes.find((c) => c.collection === 'appointments' && Object.keys(c.replacedIds).length > 0);
      ok(replaced, `a change carries the mapping: ${JSON.stringify(changes)}`);
      equal(replaced.replacedIds, { [appt.id]: '789' });
      ok(replaced.ids.includes('789') && replaced.origin === 'sync', JSON.stringify(replaced));
      ok(changes.some((c) => c.collection === 'visits' && c.ids.includes('v-1')), 'the visit that names it changed');
      ok(changes.filter((c) => c.collection === 'visits').every((c) => equal(c.replacedIds, {}) === undefined));
    });
  },

  async 'bad input is refused with a clear error and changes nothing'() {
    await withClient({}, async (client) => {
      await rejects(() => client.records('notes').create('n', [1]), /data must be a JSON object/);
      await rejects(() => client.records('notes').create(null, {}), /an id is required/);
      await rejects(async () => client.records('other'), /not one of this client's collections/);
      await rejects(() => openSyncClient({ collections: [], tokenProvider: () => 't', user: 'x' }), /at least one/);
      equal(client.status().pendingOps, 0);
    });
  },

  async 'increment: the view shows it at once, the op is sent as an increment without baseVersion, bad input fails'() {
    await withClient({ collections: ['products'] }, async (client, server) => {
      const shop = fakeShop(server, { 'sku-1': { name: 'rice', stock: 10 } });
      await client.syncNow();
      const products = client.records('products');
      const record = await products.increment('sku-1', { stock: -2 });
      equal([record.data, record.version, record.pending], [{ name: 'rice', stock: 8 }, 1, true]);
      equal(await stock(client), 8);
      for (const bad of [{}, { stock: '2' }, { stock: NaN }, { stock: Infinity }, { stock: null }, null, [1], 5]) {
        await rejects(() => products.increment('sku-1', bad),
          /TypeError: (deltas must|the delta of "stock" must be a finite number)/, JSON.stringify(bad) ?? String(bad));
      }
      await rejects(() => products.increment('nope', { stock: 1 }), /no record products\/nope/);
      await rejects(() => products.increment('', { stock: 1 }), /a record id is a non-empty string/);
      equal((await client.pendingOps()).map((o) => [o.type, o.data]), [['increment', { stock: -2 }]]);
      await products.increment('sku-1', { stock: -1, visits: 1 }); // folded into the unsent op
      const result = await client.syncNow();
      equal([result.pushed, result.applied, result.rejected], [1, 1, 0]);
      equal(shop.received.map((o) => Object.keys(o).sort()),
        [['clientTimestamp', 'collection', 'data', 'id', 'opId', 'type']], 'no baseVersion on the wire');
      equal([shop.received[0].type, shop.received[0].data], ['increment', { stock: -3, visits: 1 }]);
      equal(shop.records.get('sku-1').data, { name: 'rice', stock: 7, visits: 1 });
      equal((await products.get('sku-1')).data, { name: 'rice', stock: 7, visits: 1 });
      equal(client.status().pendingOps, 0);
    });
  },

  async 'an applied increment shows the answer\'s value (other devices\' sales included), never its delta twice'() {
    await withClient({ collections: ['products'] }, async (client, server) => {
      const shop = fakeShop(server, { 'sku-1': { stock: 10 } });
      await client.syncNow();
      await client.records('products').increment('sku-1', { stock: -2 });
      shop.sell('sku-1', 3); // another till, before our push arrives
      let beforePull;
      server.on('sync/pull', async (r) => {
        beforePull ??= await stock(client); // the push answer is stored, the pull has not come yet
        return shop.pull(r);
      });
      await client.syncNow();
      equal([beforePull, await stock(client), shop.records.get('sku-1').data.stock], [5, 5, 5]);
      shop.sell('sku-1', 1);
      await client.syncNow();
      equal(await stock(client), 4);
    });
  },

  async 'a pending increment stays added on top of what a pull brings from other devices'() {
    await withClient({ collections: ['products'] }, async (client, server) => {
      const shop = fakeShop(server, { 'sku-1': { stock: 10 } });
      await client.syncNow();
      shop.sell('sku-1', 3);
      server.on('sync/pull', async (r) => {
        // a sale rung up while the sync pulls: it waits for the next sync
        const products = client.records('products');
        if ((await client.pendingOps()).length === 0) await products.increment('sku-1', { stock: -2 });
        return shop.pull(r);
      });
      await client.syncNow();
      equal([await stock(client), (await client.records('products').get('sku-1')).pending], [5, true]);
      equal(shop.records.get('sku-1').data.stock, 7, 'ours was not pushed yet');
      server.on('sync/pull', (r) => shop.pull(r));
      await client.syncNow();
      equal([await stock(client), shop.records.get('sku-1').data.stock, client.status().pendingOps], [5, 5, 0]);
    });
  },

  async 'an answer lost on the way: the re-send is answered as a duplicate with the server\'s value, counted once'() {
    await withClient({ collections: ['products'] }, async (client, server) => {
      const shop = fakeShop(server, { 'sku-1': { stock: 10 } });
      await client.syncNow();
      await client.records('products').increment('sku-1', { stock: -2 });
      shop.sell('sku-1', 3);
      server.on('sync/push', (r) => {
        shop.push(r); // applied by the server ...
        return new TypeError('Failed to fetch'); // ... but the answer never arrives
      });
      equal((await client.syncNow()).error.kind, 'offline');
      equal((await client.pendingOps()).map((o) => [o.type, o.state]), [['increment', 'pending']]);
      equal([await stock(client), shop.records.get('sku-1').data.stock], [8, 5]);
      server.on('sync/push', (r) => shop.push(r));
      let viewBeforePull;
      server.on('sync/pull', async (r) => {
        viewBeforePull ??= await stock(client);
        return shop.pull(r);
      });
      await client.syncNow();
      equal([viewBeforePull, await stock(client), shop.records.get('sku-1').data.stock], [5, 5, 5]);
      equal(shop.received.map((o) => o.opId), [1, 1], 'the same op, sent twice, applied once');
      equal(client.status().pendingOps, 0);
    });
  },

  async 'a rejected increment goes to the failed list and the view is the server\'s value'() {
    await withClient({ collections: ['products'] }, async (client, server) => {
      const shop = fakeShop(server, { 'sku-1': { stock: 10, price: 3 } });
      await client.syncNow();
      await client.records('products').increment('sku-1', { price: 1 }); // not a counter on this server
      equal((await client.records('products').get('sku-1')).data.price, 4);
      const result = await client.syncNow();
      equal([result.rejected, client.status().failedOps], [1, 1]);
      const [failed] = await client.failedOps();
      equal([failed.type, failed.data, failed.error.code], ['increment', { price: 1 }, 'invalid_operation']);
      equal((await client.records('products').get('sku-1')).data, { stock: 10, price: 3 });
      equal(shop.records.get('sku-1').version, 1);
    });
  },

  async 'status.summary says synced only when nothing is pending, failed or in conflict'() {
    await withClient({ conflictHandler: () => 'leave-open' }, async (client, server) => {
      const summary = () => client.status().summary;
      const at = (want, what) => until(() => summary() === want, 5000, `${what}: ${want} (is ${summary()})`);
      equal(summary(), 'synced', 'a fresh client');
      const seen = [];
      client.subscribe((s) => seen.push(s.summary));

      await client.records('notes').create('n-1', { a: 1 });
      await at('pending', 'a write not sent yet');
      equal([client.status().state, client.status().pendingOps], ['idle', 1]);

      server.on('sync/push', () => new TypeError('Failed to fetch'));
      equal((await client.syncNow()).error.kind, 'offline');
      equal(summary(), 'offline', 'offline wins over pending');

      server.on('sync/push', () => json({ code: 'internal', title: 'boom' }, 500));
      equal((await client.syncNow()).error.status, 500);
      equal(summary(), 'error', 'error wins over pending');

      const release = holdPushes(server);
      const running = client.syncNow();
      await at('syncing', 'a push in flight');
      release();
      await running;
      await at('synced', 'everything applied');
      equal(client.status().pendingOps, 0);

      server.on('sync/push', (r) => json({ lastProcessedOpId: r.body.operations.at(-1).opId,
        results: r.body.operations.map((o) => ({ opId: o.opId, collection: o.collection, id: o.id,
          status: 'rejected', error: { code: 'validation_failed', message: 'no', fields: [] } })) }));
      await client.records('notes').create('n-2', { b: 1 });
      await client.syncNow();
      await at('attention', 'a rejected op');
      equal(client.status().failedOps, 1);
      await client.records('notes').create('n-3', { c: 1 });
      server.on('sync/push', () => new TypeError('Failed to fetch'));
      await client.syncNow();
      equal([client.status().state, summary()], ['offline', 'attention'], 'a rejected op wins over offline');
      server.on('sync/push', applyAll);
      await client.syncNow();
      const [failed] = await client.failedOps();
      ok(await client.discard(failed.opId));
      await at('synced', 'the rejected op discarded');

      server.on('sync/push', (r) => json({ lastProcessedOpId: r.body.operations.at(-1).opId,
        results: r.body.operations.map((o) => ({ opId: o.opId, status: 'conflict', collection: o.collection,
          id: o.id, version: 5, data: { theirs: 1 }, conflict: { fields: ['d'] } })) }));
      await client.records('notes').update('n-1', { d: 1 });
      await client.syncNow();
      await at('attention', 'an open conflict');
      equal([client.status().openConflicts, client.status().failedOps], [1, 0]);
      const [conflicted] = await client.conflictedOps();
      await client.resolveConflict(conflicted.opId, 'server');
      await at('synced', 'the conflict settled');
      ok(['pending', 'offline', 'error', 'syncing', 'attention', 'synced'].every((w) => seen.includes(w)),
        `the listeners heard every summary: ${[...new Set(seen)]}`);
    });
  },

  async 'two devices decrement one counter offline: after syncing both show the sum of both deltas'() {
    await withClient({ collections: ['products'] }, async (till1, server, open) => {
      const shop = fakeShop(server, { 'sku-1': { stock: 10 } });
      const till2 = await open({ user: 'u2' }); // another store and deviceId
      await till1.syncNow();
      await till2.syncNow();
      server.on('sync/push', () => new TypeError('Failed to fetch')); // both offline
      await till1.records('products').increment('sku-1', { stock: -2 });
      await till1.records('products').increment('sku-1', { stock: -1 });
      await till2.records('products').increment('sku-1', { stock: -4 });
      equal([(await till1.syncNow()).error.kind, (await till2.syncNow()).error.kind], ['offline', 'offline']);
      equal([await stock(till1), await stock(till2)], [7, 6]);
      server.on('sync/push', (r) => shop.push(r));
      await till1.syncNow();
      await till2.syncNow();
      await till1.syncNow();
      equal([await stock(till1), await stock(till2), shop.records.get('sku-1').data.stock], [3, 3, 3]);
    });
  },
};
