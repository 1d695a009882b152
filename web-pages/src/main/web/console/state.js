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
  /**
   * Conflicts resolved from this console that the server's list may still show as open for a moment (the list is a
   * read model that follows the resolution): left out of the open list until the server's list agrees.
   */
  resolvedHere: new Set(),
  /** The rebuild's progress poll (a timer id), or 0. */
  rebuildPoll: 0,
};
