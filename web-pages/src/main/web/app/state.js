// Sync Control: the page's one mutable state. Every module reads and writes it through `state.<name>`; nothing
// else on the page is reassigned after start (ES modules cannot assign to an imported binding, so the state is one
// object instead of module-level lets).

export const state = {
  /** The open client, or null while signed out. */
  client: null,
  /** `{username, token}`; kept sealed in localStorage (see Session). */
  session: null,
  /** The password of the current sign-in, in memory only (never stored): it lets a refused token be renewed. */
  password: null,
  /** Unsubscribe functions of the current client. */
  unsubscribers: [],
  /** Increments on every sign-in, sign-out and reopen: async work of an older client drops its result. */
  sessionGen: 0,
  /** Resolves when the previous client has closed (a new one opens the same store afterwards). */
  closing: Promise.resolve(),
  /** True while a client is being opened (sign-in or reload). */
  starting: false,
  /**
   * What the server says about its collections: `{collections: Map<name, info|null>, allowUndeclared, source}`; info
   * null for an undeclared collection (no schema, the defaults); source 'server', 'cache' (stored answer) or 'default'.
   */
  catalog: null,
  /** The collection shown: `{name, info, schema, fields, loose}` (loose: no schema, fields from the records seen). */
  current: null,
  lastStatus: null,
  /** `lastAttemptAt` when the client opened, and whether a sync ran since: an old 'unauthorized' is not acted on. */
  openedAttemptAt: null,
  sawSyncing: false,
  expiring: false,
  /** True while a revoked device's data is erased. */
  revoking: false,
  /** The sync this tab is running, as seen in the status (for the last-result box of automatic syncs). */
  run: null,
  manualSync: false,
  autoSyncBusy: false,
  appliedAutoSyncKey: null,
  /** The record being edited: `{id, original}` (original: its data when editing began), or null. */
  editing: null,
  toastTimer: 0,
  /** True once the service worker has every file this page loaded in its cache. */
  offlineReady: false,
  /** Increments on every storage event: the answer of an older one (opening the sealed token takes a while) is dropped. */
  storageEvents: 0,
  /** The records last listed, by id. */
  recordsById: new Map(),
  /** Records of the collections the shown one references, by collection, then id (for names and pickers). */
  referenced: new Map(),
};
