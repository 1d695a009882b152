// The scratch app of NpmPackageTest, run where `outpost-sync` was installed from its `npm pack` tarball: it imports
// the package by its name (the exports map), opens a client on the SQLite adapter (better-sqlite3 from
// OUTPOST_NODE_MODULES) against the real server (OUTPOST_BASE_URL, OUTPOST_TOKEN), writes a record and syncs; a
// second device (another store) pulls it. Prints one JSON line with what it saw.
import { openSyncClient } from 'outpost-sync';
import { sqliteStorage, betterSqlite3Driver } from 'outpost-sync/sqlite';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const Database = createRequire(join(process.env.OUTPOST_NODE_MODULES, 'package.json'))('better-sqlite3');
const directory = mkdtempSync(join(tmpdir(), 'outpost-npm-app-'));
const file = (name) => join(directory, `${name}.sqlite`);
const storage = sqliteStorage({
  open: (name) => betterSqlite3Driver(new Database(file(name))),
  delete: (name) => rmSync(file(name), { force: true }),
});
const open = (storeName) => openSyncClient({
  baseUrl: process.env.OUTPOST_BASE_URL, tokenProvider: () => process.env.OUTPOST_TOKEN, user: 'node-user',
  storeName, storage, collections: ['notes'], syncOnStart: false, liveUpdates: false,
  autoSync: { enabled: false, intervalSeconds: 300 },
});

try {
  const manifest = JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('outpost-sync/package.json')), 'utf8'));
  const till = await open('till');
  await till.records('notes').create('n-1', { text: 'written in Node' });
  const pushed = await till.syncNow();
  const office = await open('office');
  const pulled = await office.syncNow();
  const seen = await office.records('notes').get('n-1');
  console.log(JSON.stringify({
    name: manifest.name, version: manifest.version, types: manifest.types,
    react: import.meta.resolve('outpost-sync/react'), storage: storage.kind,
    devices: [till.deviceId, office.deviceId],
    pushed: { applied: pushed.applied, error: pushed.error }, pulled: { pulled: pulled.pulled, error: pulled.error },
    seen: seen && { id: seen.id, data: seen.data, version: seen.version, pending: seen.pending },
    tillStatus: till.status().summary,
  }));
  await till.close();
  await office.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
