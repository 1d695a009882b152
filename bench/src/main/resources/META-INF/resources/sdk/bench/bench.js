// The browser SDK's benchmark steps, called by io.outpost.bench.BrowserBenchmark through WebDriver. Each step uses a
// fresh IndexedDB database (its own user) and deletes it afterwards.
import { openSyncClient } from '/sdk/outpost-sync.js';

function open(token, user) {
  return openSyncClient({
    tokenProvider: () => token, user, storeName: 'bench', collections: ['dispenses'],
    syncOnStart: false, liveUpdates: false, syncAfterWriteMs: 0, autoSync: { enabled: false, intervalSeconds: 300 },
    timeoutMs: 120000,
  });
}

function drop(user) {
  return new Promise((resolve) => {
    const r = indexedDB.deleteDatabase(`bench-${encodeURIComponent(user)}`);
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  });
}

function check(ok, message) {
  if (!ok) throw new Error(message);
}

window.outpostBench = {
  /** (a) Sync Now into an empty store: the whole snapshot of the tenant. */
  async initialSync(token, user, expected) {
    const client = await open(token, user);
    try {
      const at = performance.now();
      const result = await client.syncNow();
      const ms = performance.now() - at;
      check(result.error === null, `initial sync failed: ${JSON.stringify(result.error)}`);
      check(result.pulled === expected, `pulled ${result.pulled} of ${expected}`);
      const held = (await client.records('dispenses').list()).length;
      check(held === expected, `the store holds ${held} of ${expected}`);
      return { ms, pulled: result.pulled };
    } finally {
      await client.close();
      await drop(user);
    }
  },

  /** (b) `ops` creates queued locally, then one timed Sync Now (push in batches, then the pull of the echo). */
  async syncPending(token, user, ops) {
    const client = await open(token, user);
    try {
      const first = await client.syncNow(); // an empty tenant: sets the cursor
      check(first.error === null, `first sync failed: ${JSON.stringify(first.error)}`);
      const dispenses = client.records('dispenses');
      let at = performance.now();
      for (let i = 0; i < ops; i++) {
        await dispenses.create(`d-${i}`, { patient: `P-${i % 97}`, drug: 'Amoxicillin', dose: 500, unit: 'mg',
          route: 'oral', ward: 'B2', givenAt: new Date().toISOString(), notes: 'given with food' });
      }
      const writeMs = performance.now() - at;
      check(client.status().pendingOps === ops || (await client.pendingOps()).length === ops, 'all ops pending');
      let pushDoneAt = null;
      const stop = client.subscribe((s) => {
        if (pushDoneAt === null && s.progress?.phase === 'pull') pushDoneAt = performance.now();
      });
      at = performance.now();
      const result = await client.syncNow();
      const ms = performance.now() - at;
      stop();
      check(result.error === null, `sync failed: ${JSON.stringify(result.error)}`);
      check(result.pushed === ops && result.applied === ops, `applied ${result.applied} of ${ops}`);
      check((await client.pendingOps()).length === 0, 'ops still pending');
      return { ms, writeMs, pushMs: (pushDoneAt ?? at + ms) - at, pulled: result.pulled };
    } finally {
      await client.close();
      await drop(user);
    }
  },
};
