// React bindings of the Outpost SDK (`outpost-sync/react`; react is a peer dependency, 18 or later): a provider for
// the SyncClient and hooks whose results follow the local store: re-rendered after local writes (this tab, other
// tabs, transactions, discarded or re-queued ops) and after pulled changes, like Dexie's useLiveQuery.
//
//   const client = await openSyncClient({...});
//   root.render(createElement(SyncClientProvider, { client }, createElement(App)));
//   const products = useRecords('products', { category: 'drinks' });   // undefined while loading, then LocalRecord[]
//   const product = useRecord('products', 'sku-1');                    // undefined, then the record or null
//   const status = useSyncStatus();                                    // SyncStatus, on every change
//   const { syncNow, running, result } = useSyncNow();

import * as imported from 'react';

// an ES module build of React exports the hooks; a CommonJS one (bundlers, Node) may put them on `default`
const React = typeof imported.useState === 'function' ? imported : imported.default;
const { createContext, createElement, useCallback, useContext, useEffect, useRef, useState } = React;

const ClientContext = createContext(null);

/** Makes `client` (a SyncClient from openSyncClient) the one the hooks below use, for its children. */
export function SyncClientProvider({ client, children }) {
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The SyncClient of the nearest SyncClientProvider (an Error without one). */
export function useSyncClient() {
  const client = useContext(ClientContext);
  if (!client) throw new Error('no SyncClient here: render this component inside <SyncClientProvider client={...}>');
  return client;
}

/**
 * A read of the local store that follows it: `read()` runs now and again after every data change of `collection`
 * (one at a time; changes during a read run it once more afterwards). Undefined until the first read is done, and
 * after `key` changes until the read for the new key is done. A failed read throws at render (an error boundary
 * shows it).
 */
function useLiveRead(client, collection, key, read, onChange) {
  const [state, setState] = useState({ key: null, value: undefined, error: null });
  const latest = useRef(read);
  latest.current = read;
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    let active = true;
    let running = false;
    let again = false;
    const refresh = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const value = await latest.current();
          if (active && !again) setState({ key, value, error: null });
        } while (again && active);
      } catch (error) {
        if (active) setState({ key, value: undefined, error });
      } finally {
        running = false;
      }
    };
    const stop = client.onChange((change) => {
      if (changed.current?.(change) === false) return;
      refresh();
    }, collection);
    refresh();
    return () => {
      active = false;
      stop();
    };
  }, [client, collection, key]);
  if (state.key !== key) return undefined;
  if (state.error) throw state.error;
  return state.value;
}

/**
 * The visible records of `collection` whose top-level fields equal `query`'s values (`records(collection).list`),
 * sorted by id: undefined while the first read runs, then an array of LocalRecord that is read again after each
 * change of the collection (a local write, a pull, another tab's write).
 */
export function useRecords(collection, query = {}) {
  const client = useSyncClient();
  const key = `${collection}\u0000${JSON.stringify(query ?? {})}`;
  return useLiveRead(client, collection, key, () => client.records(collection).list(query ?? {}));
}

/**
 * One record of `collection` (`records(collection).get`): undefined while the first read runs, then the LocalRecord
 * or null (absent or deleted). A temporary id (`create(null, ...)` in a server-ids collection) is followed when the
 * server replaces it: the hook then returns the record under the server's id.
 */
export function useRecord(collection, id) {
  const client = useSyncClient();
  const [current, setCurrent] = useState(id);
  const [given, setGiven] = useState(id);
  if (given !== id) {
    setGiven(id);
    setCurrent(id);
  }
  const followed = given !== id ? id : current;
  return useLiveRead(client, collection, `${collection}\u0000${followed}`,
    () => client.records(collection).get(followed),
    (change) => {
      const replaced = change.replacedIds?.[followed];
      if (replaced) {
        setCurrent(replaced);
        return false; // read under the new id once it is the current one
      }
      return change.ids.length === 0 || change.ids.includes(followed);
    });
}

/** The client's SyncStatus, re-rendered on each change (state, summary, pendingOps, lastSyncAt, ...). */
export function useSyncStatus() {
  const client = useSyncClient();
  const [status, setStatus] = useState(() => client.status());
  useEffect(() => client.subscribe(setStatus), [client]);
  return status;
}

/**
 * Sync Now for a button: `syncNow()` starts a sync and resolves to its SyncResult; `running` is true while one started
 * here runs; `result` is the last one's SyncResult (null before the first).
 */
export function useSyncNow() {
  const client = useSyncClient();
  const [running, setRunning] = useState(0);
  const [result, setResult] = useState(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const syncNow = useCallback(async () => {
    setRunning((n) => n + 1);
    try {
      const r = await client.syncNow();
      if (mounted.current) setResult(r);
      return r;
    } finally {
      if (mounted.current) setRunning((n) => n - 1);
    }
  }, [client]);
  return { syncNow, running: running > 0, result };
}
