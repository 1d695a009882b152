// Types of `outpost-sync/react` (react.js): React bindings of the Outpost SDK. React 18 or later (peer dependency).
import type { ReactNode, ReactElement } from 'react';
import type { Filter, LocalRecord, SyncClient, SyncResult, SyncStatus } from './outpost-sync.js';

/** Makes `client` the one the hooks use, for its children. */
export declare function SyncClientProvider(props: { client: SyncClient; children?: ReactNode }): ReactElement;

/** The SyncClient of the nearest SyncClientProvider (throws without one). */
export declare function useSyncClient(): SyncClient;

/**
 * The visible records of `collection` matching `query` (as `records(collection).list(query)`), sorted by id:
 * undefined while the first read runs; read again after every local write, pull or other tab's write of the
 * collection.
 */
export declare function useRecords(collection: string, query?: Filter): LocalRecord[] | undefined;

/**
 * One record: undefined while loading, then the record or null. Follows a temporary id to the server's id when the
 * server replaces it.
 */
export declare function useRecord(collection: string, id: string): LocalRecord | null | undefined;

/** The client's status, re-rendered on each change. */
export declare function useSyncStatus(): SyncStatus;

/** Sync Now for a button: `running` while a sync started here runs, `result` the last one's SyncResult. */
export declare function useSyncNow(): {
  syncNow(): Promise<SyncResult>;
  running: boolean;
  result: SyncResult | null;
};
