// Types of `outpost-sync/sqlite` (storage/sqlite.js): the SQLite storage adapter for React Native and Node.js.
import type { StorageAdapter } from '../outpost-sync.js';

/** What the adapter runs SQL through: rows as objects for a SELECT, anything for other statements. */
export interface SqliteDriver {
  query(sql: string, params?: unknown[]): unknown[] | Promise<unknown[]>;
  close(): void | Promise<void>;
}

/**
 * A storage adapter over SQLite: `open(name)` opens (creating) the database of store `name`; `delete(name)` deletes
 * it (a wipe, once the store's clients in this process are closed; waits up to `blockedMs`, default 10000, for
 * that). One adapter per process and database file.
 */
export declare function sqliteStorage(options: {
  open(name: string): SqliteDriver | Promise<SqliteDriver>;
  delete(name: string): void | Promise<void>;
  blockedMs?: number;
}): StorageAdapter;

/** better-sqlite3 (Node.js): `betterSqlite3Driver(new Database(file))`. */
export declare function betterSqlite3Driver(db: unknown): SqliteDriver;
/** op-sqlite (React Native): `opSqliteDriver(open({ name: file }))`. */
export declare function opSqliteDriver(db: unknown): SqliteDriver;
/** expo-sqlite's async API (React Native): `expoSqliteDriver(await openDatabaseAsync(file))`. */
export declare function expoSqliteDriver(db: unknown): SqliteDriver;
/** A stored row or meta value (its JSON text) as the adapter reads it, binary values as Uint8Array (for tools). */
export declare function decodeValue(text: string): unknown;
