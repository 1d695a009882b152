// Sync Control: the last result (Sync Now, and the syncs the SDK starts by itself).
import { state } from './state.js';
import { expireSession } from './client.js';
import { $ } from './constants.js';
import { describeSyncError, formatTime, plural, show, technical } from './helpers.js';
import { reportError } from './messages.js';
import { refreshOps } from './queue.js';
import { refreshList } from './records.js';
import { deviceRevoked, isRevoked, renderSyncButton } from './status.js';

const RESULT_FIELDS = ['pushed', 'applied', 'merged', 'conflicts', 'rejected', 'failed', 'pulled', 'durationMs'];

export function resetResult() {
  const node = $('last-result');
  for (const name of [...RESULT_FIELDS, 'error', 'state', 'trigger', 'finishedAt', 'waiting']) {
    delete node.dataset[name];
  }
  $('last-result-head').textContent = '';
  $('last-result-line').textContent = '';
  $('last-result-error').textContent = '';
  $('last-result-waiting').textContent = '';
  show($('last-result-error'), false);
  show($('last-result-waiting'), false);
  show(node, false);
}

/**
 * Shows a sync's outcome. `trigger`: 'manual' (Sync Now: the SDK's whole result), 'auto' (a sync this tab's SDK
 * started: what its progress told) or 'other-tab' (another tab of this device synced).
 */
export function renderResult(result, trigger, at = new Date().toISOString()) {
  const node = $('last-result');
  const n = (value) => (Number.isFinite(value) ? value : 0);
  const duration = Math.round(n(result.durationMs));
  for (const name of RESULT_FIELDS) delete node.dataset[name];
  node.dataset.trigger = trigger;
  node.dataset.finishedAt = at;
  node.dataset.error = result.error ? result.error.kind : '';
  node.dataset.state = result.error ? 'error' : 'ok';
  const when = formatTime(at);
  let head;
  let line = '';
  if (trigger === 'manual') {
    for (const name of RESULT_FIELDS) node.dataset[name] = String(name === 'durationMs' ? duration : n(result[name]));
    head = `Sync now · ${when}`;
    line = `sent ${n(result.pushed)} · applied ${n(result.applied)} · merged ${n(result.merged)} · conflicts `
      + `${n(result.conflicts)} · rejected ${n(result.rejected)} · received ${n(result.pulled)} · ${duration} ms`;
  } else if (trigger === 'auto') {
    node.dataset.pushed = String(n(result.pushed));
    node.dataset.pulled = String(n(result.pulled));
    node.dataset.durationMs = String(duration);
    head = `Automatic sync · ${when}`;
    line = result.error ? `stopped after ${duration} ms`
      : `sent ${n(result.pushed)} · received ${n(result.pulled)} · ${duration} ms`;
  } else {
    head = `Synced by another tab of this device · ${when}`;
  }
  $('last-result-head').textContent = head;
  $('last-result-line').textContent = line;
  show($('last-result-line'), Boolean(line));
  const errorNode = $('last-result-error');
  if (result.error) {
    errorNode.textContent = describeSyncError(result.error);
    errorNode.title = technical({ error: result.error });
    show(errorNode, true);
  } else {
    errorNode.textContent = '';
    errorNode.removeAttribute('title');
    show(errorNode, false);
  }
  renderWaiting(state.lastStatus ? state.lastStatus.pendingOps : 0);
  show(node, true);
}

export function renderWaiting(pending) {
  const node = $('last-result-waiting');
  $('last-result').dataset.waiting = String(pending);
  node.textContent = pending > 0 ? `${plural(pending, 'change')} still waiting to be sent` : '';
  show(node, pending > 0);
}

export async function onSyncNow() {
  const c = state.client;
  if (!c || state.manualSync) return;
  const gen = state.sessionGen;
  state.manualSync = true;
  renderSyncButton();
  try {
    const result = await c.syncNow();
    if (gen !== state.sessionGen) return;
    renderResult(result, 'manual');
    if (result.error && isRevoked({ lastError: result.error })) deviceRevoked();
    else if (result.error && result.error.kind === 'unauthorized') expireSession();
  } catch (e) {
    if (gen === state.sessionGen) reportError('The sync failed', e);
  } finally {
    if (gen === state.sessionGen) {
      state.manualSync = false;
      renderSyncButton();
      refreshList();
      refreshOps();
    }
  }
}
