// When syncs run, and the status. One sync at a time: in this tab, requests made while one runs share a second pass
// after it; across the tabs of one origin and user a Web Lock lets one push at a time. One tab (the holder of the
// leader lock) runs the auto-sync timer, the reconnect probing and the live stream; every tab syncs on start, after
// its own writes and on Sync Now. Tabs tell each other about data, status and setting changes on a BroadcastChannel.
// After a 400 `upgrade_required` (this app's schema version of a collection is too old for the server) no sync starts
// by itself any more: the same request would be refused the same way, until the app is updated (a new client) or a
// sync succeeds; `syncNow()` still makes one attempt.

import { backoffDelay } from './backoff.js';
import { syncError } from './transport.js';
import { processLocks } from './locks.js';

export const MIN_INTERVAL_SECONDS = 30;
export const MAX_INTERVAL_SECONDS = 3600;
const POKE_COALESCE_MS = 100;

/** The interval bounds, with a message naming the setting (RangeError). */
export function checkInterval(seconds) {
  if (!Number.isInteger(seconds) || seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) {
    throw new RangeError(`autoSync interval must be whole seconds between ${MIN_INTERVAL_SECONDS} and `
      + `${MAX_INTERVAL_SECONDS}, was ${String(seconds)}`);
  }
}

export class SyncRunner {
  /**
   * @param o {store, engine, http, lockName, channel (BroadcastChannel|null), triggers {onStart, afterWriteMs,
   *   onReconnect, live}, backoff {baseMs, capMs}, autoSync {enabled, intervalSeconds}, streamQuery() (the
   *   stream's path and query for the current deviceId), emitStatus, emitData, random, catalog (CollectionCatalog),
   *   onWiped() (another tab wiped the store)}
   */
  constructor(o) {
    Object.assign(this, o);
    this.random = o.random ?? Math.random;
    this.running = null;
    this.followUp = null;
    this.state = 'idle';
    this.lastAttemptAt = null;
    this.lastSyncAt = null;
    this.lastError = null;
    this.progress = null;
    this.nextAttemptAt = null;
    this.notBefore = 0; // Retry-After
    this.failures = 0;
    this.reachable = false;
    this.closed = false;
    /** The server answered upgrade_required: automatic syncs are off until a sync succeeds. */
    this.upgradeRequired = false;
    this.leader = false;
    this.timers = { interval: null, retry: null, soon: null };
    this.counts = { pending: 0, syncing: 0, synced: 0, conflict: 0, failed: 0 };
    this.publishing = null;
    this.publishAgain = false;
    this.abortLive = null;
    this.releaseLeader = null;
    this.closing = new AbortController();
    this.onOnline = () => this.online();
    this.onOffline = () => this.offline();
  }

  async start() {
    const saved = await this.store.getMeta('auto_sync');
    if (saved) this.autoSync = saved; // a saved setting wins over the app's default
    this.lastSyncAt = await this.store.getMeta('last_sync_at');
    if (this.channel) this.channel.onmessage = (m) => this.message(m.data);
    globalThis.addEventListener?.('online', this.onOnline);
    globalThis.addEventListener?.('offline', this.onOffline);
    if (globalThis.navigator?.onLine === false) this.state = 'offline';
    await this.publish();
    this.electLeader();
    if (this.triggers.onStart) this.sync().catch(() => {});
  }

  // ----------------------------------------------------------------------------------------------- syncing

  /**
   * Starts a sync. While one is running, it may have taken its ops before the caller's latest writes, so the caller
   * gets a second pass that starts when the running one ends (one for everyone who asks meanwhile): a sync asked for
   * covers every write made before the asking. Unless the running one failed and scheduled a retry with backoff (the
   * server is unreachable or busy): then that retry is the second pass, and the caller gets the failure, instead of
   * a request going out at once.
   */
  sync() {
    if (this.closed) return Promise.reject(new Error('the SyncClient is closed'));
    if (!this.running) {
      this.running = this.withSyncLock(() => this.runSync()).finally(() => {
        this.running = null;
      });
      return this.running;
    }
    if (!this.followUp) {
      const next = this.running.catch(() => null).then((joined) => {
        if (this.followUp === next) this.followUp = null;
        if (joined?.error && this.timers.retry !== null) return joined;
        if (joined?.error?.kind === 'upgrade-required') return joined; // asking again would be refused the same way
        return this.sync();
      });
      this.followUp = next;
    }
    return this.followUp;
  }

  withSyncLock(work) {
    const locks = globalThis.navigator?.locks ?? processLocks;
    // closing the client stops waiting for another tab's sync
    return locks.request(this.lockName, { mode: 'exclusive', signal: this.closing.signal }, work);
  }

  async runSync() {
    if (this.closed) throw new Error('the SyncClient is closed'); // closed while waiting for another tab's sync
    const now = Date.now();
    if (now < this.notBefore) {
      // Retry-After: the server asked not to come back before then
      return {
        pushed: 0, applied: 0, merged: 0, conflicts: 0, rejected: 0, failed: this.counts.pending, pulled: 0,
        durationMs: 0, error: syncError('busy', `the server asked to retry after ${new Date(this.notBefore).toISOString()}`,
          0, 'retry_after'),
      };
    }
    this.state = 'syncing';
    this.lastAttemptAt = new Date(now).toISOString();
    this.progress = null;
    this.nextAttemptAt = null;
    this.clear('retry');
    this.publish();
    let outcome;
    try {
      await this.store.releaseInFlight(); // only the lock holder pushes: a syncing op here was left by a crash
      outcome = await this.engine.run((p) => {
        this.progress = p;
        this.publish();
      });
    } catch (e) {
      this.state = 'error';
      this.lastError = syncError('local', `${e?.name ?? 'Error'}: ${e?.message ?? e}`);
      this.progress = null;
      this.armInterval();
      this.publish();
      this.broadcast({ type: 'status' });
      throw e;
    }
    const { result, retryAfterMs } = outcome;
    this.progress = null;
    if (!result.error) {
      this.state = 'idle';
      this.lastSyncAt = new Date().toISOString();
      this.lastError = null;
      this.failures = 0;
      this.reachable = true;
      this.notBefore = 0;
      this.upgradeRequired = false;
      await this.store.putMeta('last_sync_at', this.lastSyncAt);
    } else {
      this.lastError = result.error;
      this.reachable = result.error.kind !== 'offline';
      if (result.error.kind === 'upgrade-required') {
        if (!this.upgradeRequired) {
          console.warn(`outpost: the server requires an app update, automatic syncs stop; the queue is kept (${
            result.error.message})`);
        }
        this.upgradeRequired = true;
        this.clear('soon');
      }
      // until a sync succeeds the app is told to update, whatever a later attempt ran into
      this.state = this.upgradeRequired ? 'upgrade-required' : result.error.kind === 'offline' ? 'offline' : 'error';
      this.failures += 1;
      this.scheduleRetry(result.error, retryAfterMs);
    }
    this.armInterval();
    await this.publish();
    this.broadcast({ type: 'status', lastSyncAt: this.lastSyncAt });
    return result;
  }

  /** After a failure that may pass by itself: try again after backoff, or when Retry-After says if later. */
  scheduleRetry(error, retryAfterMs) {
    if (retryAfterMs != null) this.notBefore = Date.now() + retryAfterMs;
    if (this.upgradeRequired) return; // no automatic sync until the app is updated
    const transient = error.kind === 'offline' ? this.triggers.onReconnect : ['busy', 'server'].includes(error.kind);
    if (!transient || !this.autoSync.enabled || this.closed) return;
    let delay = backoffDelay(this.failures, this.backoff.baseMs, this.backoff.capMs, this.random);
    if (retryAfterMs != null && retryAfterMs > delay) delay = retryAfterMs;
    this.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    this.clear('soon'); // an after-write or poke sync armed before the failure waits for the retry too
    this.schedule('retry', delay);
  }

  // ----------------------------------------------------------------------------------------------- triggers

  /**
   * A local write in this tab: sync at most afterWriteMs after it when auto-sync is on and the server answered.
   * Writes made while that sync is due join it instead of postponing it, so a tab that keeps writing (a till ringing
   * up items) still syncs every afterWriteMs, not only once it stops.
   */
  localWrite() {
    if (!this.closed && !this.upgradeRequired && this.autoSync.enabled && this.reachable
        && this.triggers.afterWriteMs > 0 && this.timers.soon === null) {
      this.schedule('soon', this.triggers.afterWriteMs);
    }
  }

  /** The browser is online again: sync (the leader; every tab clears its offline badge by its own next sync). */
  online() {
    if (this.closed) return;
    this.restartLive();
    if (this.triggers.onReconnect && !this.upgradeRequired && (this.leader || this.state === 'offline')) {
      this.failures = 0;
      this.sync().catch(() => {});
    }
  }

  /** The browser says the network is gone: show it at once (a running sync finds out by itself). */
  offline() {
    if (this.closed || this.state === 'syncing' || this.upgradeRequired) return;
    this.state = 'offline';
    this.publish();
  }

  async setAutoSync(enabled, intervalSeconds) {
    checkInterval(intervalSeconds);
    if (typeof enabled !== 'boolean') throw new TypeError('autoSync enabled must be true or false');
    this.autoSync = { enabled, intervalSeconds };
    await this.store.putMeta('auto_sync', this.autoSync);
    this.applyAutoSync();
    this.broadcast({ type: 'settings', autoSync: this.autoSync });
    await this.publish();
  }

  applyAutoSync() {
    if (!this.autoSync.enabled) {
      this.clear('retry');
      this.clear('soon');
      this.nextAttemptAt = null;
    }
    this.armInterval();
  }

  /** The interval timer (leader only) restarts from now: after every sync and every setting change. */
  armInterval() {
    this.clear('interval');
    if (this.leader && this.autoSync.enabled && !this.closed) {
      this.schedule('interval', this.autoSync.intervalSeconds * 1000);
    }
  }

  schedule(name, ms) {
    this.clear(name);
    this.timers[name] = setTimeout(() => {
      this.timers[name] = null;
      // a timer, a write or a poke: none while the server requires an app update
      if (!this.upgradeRequired) this.sync().catch(() => {});
    }, ms);
  }

  clear(name) {
    if (this.timers[name] !== null) clearTimeout(this.timers[name]);
    this.timers[name] = null;
  }

  // ----------------------------------------------------------------------------------------------- tabs

  electLeader() {
    // without Web Locks (Node.js, React Native, not a secure context) the clients of this process elect one
    const locks = globalThis.navigator?.locks ?? processLocks;
    locks.request(`${this.lockName}:leader`, { mode: 'exclusive' }, () => {
      if (this.closed) return undefined;
      this.becomeLeader();
      return new Promise((resolve) => {
        this.releaseLeader = resolve;
      });
    }).catch(() => {});
  }

  becomeLeader() {
    this.leader = true;
    this.armInterval();
    if (this.triggers.live) this.startLive();
    this.publish();
  }

  broadcast(message) {
    try {
      this.channel?.postMessage(message);
    } catch {
      // the channel is closed
    }
  }

  /** A message from another tab of this origin and user. */
  async message(m) {
    if (this.closed || !m) return;
    if (m.type === 'data') {
      this.emitData(m.changes, m.origin, true); // the writing tab itself syncs after its write
    } else if (m.type === 'settings') {
      this.autoSync = m.autoSync;
      this.applyAutoSync();
    } else if (m.type === 'status' && m.lastSyncAt) {
      this.lastSyncAt = m.lastSyncAt;
    } else if (m.type === 'collections') {
      this.catalog?.load(await this.store.getMeta('collections')); // another tab fetched them
    } else if (m.type === 'revoked') {
      // another tab found this device revoked and wiped the store: same new deviceId here, no stale rules
      this.store.deviceId = m.deviceId;
      this.catalog?.load(null);
      this.restartLive();
    } else if (m.type === 'wiped') {
      this.onWiped?.(); // wipeLocalData in another tab: this client closes
      return;
    }
    await this.publish();
  }

  // ----------------------------------------------------------------------------------------------- live

  startLive() {
    if (this.abortLive || this.closed) return;
    const controller = new AbortController();
    this.abortLive = controller;
    this.live(controller.signal).catch(() => {});
  }

  restartLive() {
    if (!this.abortLive) return;
    this.abortLive.abort();
    this.abortLive = null;
    this.startLive();
  }

  /** Listens to GET /sync/stream; a poke schedules a sync. Reconnects with backoff until aborted. */
  async live(signal) {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        const response = await this.http.openStream(this.streamQuery(), signal);
        attempt = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let event = null;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let nl;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).replace(/\r$/, '');
            buffer = buffer.slice(nl + 1);
            if (line.startsWith('event:')) {
              event = line.slice(6).trim();
            } else if (line === '') {
              if (event === 'poke' && !this.closed) this.schedule('soon', POKE_COALESCE_MS);
              event = null;
            }
          }
        }
      } catch (e) {
        // refused, no server, or a stream that broke mid-way: reconnect with backoff (unless closed). A revoked
        // device: a sync finds it too and wipes the store; the stream is then opened again as the new device.
        if (e?.error?.kind === 'revoked' && !signal.aborted) this.sync().catch(() => {});
      }
      if (signal.aborted) return;
      attempt += 1;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, backoffDelay(attempt, this.backoff.baseMs, this.backoff.capMs, this.random));
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }

  // ----------------------------------------------------------------------------------------------- status

  status() {
    const c = this.counts;
    const pendingOps = c.pending + c.syncing;
    return {
      state: this.state,
      summary: summarize(this.state, pendingOps, c.failed, c.conflict),
      pendingOps,
      failedOps: c.failed,
      openConflicts: c.conflict,
      lastSyncAt: this.lastSyncAt,
      lastAttemptAt: this.lastAttemptAt,
      lastError: this.lastError,
      progress: this.progress,
      nextAttemptAt: this.nextAttemptAt,
      autoSync: { ...this.autoSync },
      leader: this.leader,
    };
  }

  /**
   * Tells the status listeners at once (with the counts known), then re-reads the op counts from the store and tells
   * them again if those changed (coalesced: one read at a time).
   */
  publish() {
    if (this.closed) return Promise.resolve();
    this.emitStatus(this.status());
    if (this.publishing) {
      this.publishAgain = true;
      return this.publishing;
    }
    this.publishing = (async () => {
      do {
        this.publishAgain = false;
        let counts;
        try {
          counts = await this.store.counts();
        } catch {
          return; // the store is closing: keep the last counts
        }
        const changed = Object.keys(counts).some((k) => counts[k] !== this.counts[k]);
        this.counts = counts;
        if (changed && !this.closed) this.emitStatus(this.status());
      } while (this.publishAgain && !this.closed);
    })().finally(() => {
      this.publishing = null;
    });
    return this.publishing;
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    Object.keys(this.timers).forEach((name) => this.clear(name));
    this.abortLive?.abort();
    this.releaseLeader?.();
    globalThis.removeEventListener?.('online', this.onOnline);
    globalThis.removeEventListener?.('offline', this.onOffline);
    try {
      await this.running;
    } catch {
      // the sync's failure was told to its caller
    }
  }
}

/**
 * The one word for a status badge, in this precedence: `upgrade-required` (nothing syncs until the app is updated),
 * then `attention` (failed ops or open conflicts wait for the user), then `error` / `offline` / `syncing` (the
 * state), then `pending` (ops not yet sent), else `synced`. Only `synced` means nothing is pending, failed or in
 * conflict.
 */
export function summarize(state, pendingOps, failedOps, openConflicts) {
  if (state === 'upgrade-required') return 'upgrade-required';
  if (failedOps + openConflicts > 0) return 'attention';
  if (state === 'error' || state === 'offline' || state === 'syncing') return state;
  if (pendingOps > 0) return 'pending';
  return 'synced';
}
