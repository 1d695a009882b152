// One sync as docs/sync-algorithm.md describes it: push the queue in batches, hand conflicts to the handler, pull
// until `hasMore` is false, then drop the ops the pulled state includes. The runner runs one at a time. Alongside, the
// served collections (schemas) are fetched again; a 403 `device_revoked` on a push or pull wipes the store.

import { TransportError, syncError } from './transport.js';
import { Touched } from './store.js';
import { clone } from './platform.js';

export class SyncEngine {
  /**
   * @param options {store, http, collections: string[], references: {collection: {field: collection}},
   *   conflictHandler, emitData(changes, origin), pushBatchSize, pullPageSize, hooks, catalog (CollectionCatalog),
   *   onRevoked(oldDeviceId, newDeviceId), schemaVersions ({collection: version}, the app's; may be empty)}
   */
  constructor(options) {
    Object.assign(this, options);
    this.hooks = options.hooks ?? {};
    this.schemaVersions ??= {};
  }

  /**
   * The key the cursor is stored under: a cursor is valid only for the collections it was issued for, and for the
   * schema versions the records were pulled in. An app update that changes a version starts with a new key, i.e. a
   * snapshot pull that replaces the records held here by the ones in the new shape (a cursor alone would bring only
   * the records changed since, leaving the others in the old shape).
   */
  cursorKey() {
    const versions = this.versionsParameter();
    return `cursor:${this.collections.join(',')}${versions === '' ? '' : `;${versions}`}`;
  }

  /** `patients:2,wards:1` (sorted by collection): the pull's `schemaVersions` (docs/schema-versions.md), or ''. */
  versionsParameter() {
    return Object.keys(this.schemaVersions).sort().map((c) => `${c}:${this.schemaVersions[c]}`).join(',');
  }

  /** Runs one sync; resolves to {result, retryAfterMs} (transport failures end up in result.error). */
  async run(progress = () => {}) {
    const start = performance.now();
    const t = { pushed: 0, applied: 0, merged: 0, conflicts: 0, rejected: 0, failed: 0, pulled: 0 };
    const result = (error) => ({ ...t, durationMs: Math.round(performance.now() - start), error });
    // the served collections are fetched alongside the push and pull, not before them (a sync's own requests keep
    // their order and timing); a failed fetch keeps the rules known
    const refresh = this.catalog ? this.catalog.refresh(this.http, this.store) : Promise.resolve(false);
    refresh.catch(() => {});
    try {
      await this.push(t, progress);
      await this.pull(t, progress);
      await refresh.catch(() => {});
      return { result: result(null), retryAfterMs: null };
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      let error = e.error;
      if (error.kind === 'revoked') error = await this.revoked(error, refresh);
      t.failed = (await this.store.counts()).pending;
      return { result: result(error), retryAfterMs: e.retryAfterMs };
    }
  }

  /**
   * An admin revoked this device (contract v1.2): nothing of it may stay readable here. Wipes the store (records,
   * queue, cursors, schemas; a new deviceId), tells the data listeners that every collection changed and the client
   * (other tabs, the live stream). The sync's error, saying so.
   */
  async revoked(error, refresh) {
    await refresh.catch(() => {}); // settled first: what it fetched goes too
    const old = this.store.deviceId;
    const { deviceId, wiped } = await this.store.wipe(old);
    this.catalog?.load(null);
    const all = new Touched();
    this.collections.forEach((collection) => all.all(collection));
    this.emitData(all.toChanges(), 'sync');
    this.onRevoked?.(old, deviceId);
    console.warn(`outpost: device ${old} was revoked by an admin; ${wiped ? 'its local store was wiped, ' : ''}`
      + `new device ${deviceId}`);
    return {
      ...error,
      message: `this device (${old}) was revoked by an admin: its local data (records, unsent changes, sync `
        + `positions, schemas) was wiped; the next sync starts over as device ${deviceId} (${error.message})`,
    };
  }

  // ------------------------------------------------------------------------------------------------ push

  async push(t, progress) {
    // ops queued while this sync runs wait for the next one, except re-applied conflicts (one more round)
    for (let round = 0; round < 2; round++) {
      const maxOpId = Number(await this.store.getMeta('next_op_id')) - 1;
      const total = (await this.store.counts()).pending;
      let done = 0;
      let requeued = false;
      for (;;) {
        const batch = await this.store.takeBatch(this.pushBatchSize, maxOpId);
        if (batch.length === 0) break;
        progress({ phase: 'push', done, total: Math.max(total, done + batch.length) });
        let answer;
        try {
          answer = await this.http.post('sync/push', this.pushBody(batch));
        } catch (e) {
          await this.store.releaseBatch(batch);
          throw e;
        }
        await this.hooks.pushAnswered?.(batch.map((op) => op.opId));
        const outcome = await this.store.applyPushResults(batch, answer?.results, this.references);
        t.pushed += batch.length;
        t.applied += outcome.applied;
        t.merged += outcome.merged;
        t.conflicts += outcome.conflicts;
        t.rejected += outcome.rejected;
        done += batch.length;
        this.emitData(outcome.touched.toChanges(), 'sync');
        if (await this.handle(outcome.newConflicts)) requeued = true;
      }
      if (!requeued) return;
    }
  }

  pushBody(batch) {
    return {
      deviceId: this.store.deviceId,
      operations: batch.map((op) => {
        const o = { opId: op.opId, type: op.type, collection: op.collection };
        if (op.type === 'create' && op.temp) o.tempId = op.recordId;
        else o.id = op.recordId;
        if (op.type !== 'create' && op.type !== 'increment') o.baseVersion = op.baseVersion; // an increment has none
        if (op.type !== 'delete') o.data = op.data;
        o.clientTimestamp = op.clientTs;
        if (op.group != null) o.group = op.group; // an op group (contract v1.2): applied all or nothing
        // the version the op was written in, not the app's current one: queued before an update, it is older
        if (op.schemaVersion != null) o.schemaVersion = op.schemaVersion;
        return o;
      }),
    };
  }

  /** Gives each new conflict to the handler; true if one was queued again. */
  async handle(conflicts) {
    let requeued = false;
    for (const c of conflicts) {
      let decision;
      try {
        decision = await this.conflictHandler(clone(c));
      } catch (e) {
        console.warn('outpost: the conflict handler threw; keeping the server\'s state', e);
        decision = 'keep-server';
      }
      if (decision === 'leave-open') continue;
      if (decision === 'reapply-local') {
        if (c.conflictId) {
          // parked by the server (manual): resolving it with the client's data is the re-apply
          await this.http.post(`conflicts/${encodeURIComponent(c.conflictId)}/resolve`, { resolution: 'client' });
          await this.store.discard(c.opId);
        } else if ((await this.store.requeue(c.opId, undefined, new Date().toISOString())) !== null) {
          requeued = true;
        }
      } else {
        await this.store.discard(c.opId); // keep-server, and anything unknown
      }
    }
    return requeued;
  }

  // ------------------------------------------------------------------------------------------------ pull

  /**
   * Pulls pages until `hasMore` is false. The next page is fetched while the current one is written to the store;
   * a page's cursor is stored with its changes, so a crash re-pulls from the last stored page.
   */
  async pull(t, progress) {
    const key = this.cursorKey();
    const cursor = await this.store.getMeta(key);
    let snapshot = cursor == null;
    let first = true;
    // the queue after this sync's push, reported with the first page (admins see it: GET /admin/devices)
    const counts = await this.store.counts();
    let page = await this.fetch(cursor, (counts.pending || 0) + (counts.syncing || 0));
    for (;;) {
      const next = page?.cursor;
      if (typeof next !== 'string') {
        throw new TransportError(syncError('server', 'a pull answer without a cursor', 200));
      }
      const hasMore = page.hasMore === true;
      const following = hasMore ? this.fetch(next) : null;
      following?.catch(() => {}); // awaited below; a failure while this page is stored is not "unhandled"
      const changes = (page.changes || []).map((c) => ({
        collection: String(c.collection), id: String(c.id), version: Number(c.version), deleted: c.deleted === true,
        data: c.data !== null && typeof c.data === 'object' && !Array.isArray(c.data) ? c.data : null,
      }));
      if (page.reset === true) snapshot = true; // the pages that follow a reset are a snapshot too
      const touched = await this.store.applyPullPage(changes, page.reset === true || (snapshot && first),
        this.collections, key, next, snapshot);
      this.emitData(touched.toChanges(), 'sync');
      t.pulled += changes.length;
      progress({ phase: 'pull', done: t.pulled, total: -1 });
      first = false;
      if (!hasMore) {
        const confirmed = await this.store.confirm(Number(page.lastProcessedOpId || 0));
        this.emitData(confirmed.toChanges(), 'sync');
        return;
      }
      page = await following;
    }
  }

  /** A page of the pull; `pendingOps` (a number ≥ 0) is reported with it (`GET /sync/pull?pendingOps=`). */
  fetch(cursor, pendingOps) {
    let query = `sync/pull?deviceId=${encodeURIComponent(this.store.deviceId)}&limit=${this.pullPageSize}`
      + `&collections=${encodeURIComponent(this.collections.join(','))}`;
    if (Number.isInteger(pendingOps) && pendingOps >= 0) query += `&pendingOps=${pendingOps}`;
    const versions = this.versionsParameter();
    if (versions !== '') query += `&schemaVersions=${encodeURIComponent(versions)}`; // records in the app's shape
    if (cursor != null) query += `&cursor=${encodeURIComponent(cursor)}`;
    return this.http.get(query);
  }
}
