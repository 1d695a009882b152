// One SyncClient (and more tabs of it) per test against a FakeServer, closed and its stores dropped afterwards.
import { openSyncClient } from '/sdk/outpost-sync.js';
import { BASE, FakeServer } from './fake-server.js';
import { drop, freshName } from './until.js';

/**
 * A `withClient(options, work, server?)` for tests of `collections`: `work(client, server, open)` gets the client,
 * the scripted server and `open(more)`, which opens another client (a second tab, or another user) on the same store
 * name. Every client is closed and the users' stores are dropped when `work` ends.
 */
export function clientHarness(prefix, collections) {
  return async function withClient(options, work, server = new FakeServer()) {
    const storeName = freshName(prefix);
    const opened = [];
    const open = (more = {}) => openSyncClient({
      baseUrl: BASE, tokenProvider: () => 't', user: 'u1', storeName, collections,
      syncOnStart: false, liveUpdates: false, syncAfterWriteMs: 0, autoSync: { enabled: false, intervalSeconds: 300 },
      ...options, ...more,
    }).then((c) => {
      opened.push(c);
      return c;
    });
    try {
      await work(await open(), server, open);
    } finally {
      for (const c of opened) await c.close();
      server.close();
      await drop(`${storeName}-u1`);
      await drop(`${storeName}-u2`);
    }
  };
}
