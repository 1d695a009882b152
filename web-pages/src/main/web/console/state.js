// Outpost console: its one mutable state. Every module reads and writes it through `state.<name>`.

export const state = {
  /** `{token, username, tenant, roles: Set}` while signed in, else null (kept in sessionStorage: this tab only). */
  session: null,
  /** The view shown: 'history', 'conflicts' or 'fleet'. */
  view: null,
  /** The record shown in history: `{collection, id, entries, verify}`, or null. */
  history: null,
  /** The conflicts listed, by conflictId. */
  conflicts: new Map(),
  /** The rebuild's progress poll (a timer id), or 0. */
  rebuildPoll: 0,
};
