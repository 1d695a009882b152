// Sync Control: status.
import { state } from './state.js';
import { renderAutoSync } from './auto-sync.js';
import { expireSession, signOut } from './client.js';
import { $, SUMMARY_LABELS, SUMMARY_TITLES } from './constants.js';
import { describeSyncError, formatTime, plural, setLabel, show, technical } from './helpers.js';
import { reportError } from './messages.js';
import { refreshOps } from './queue.js';
import { renderResult, renderWaiting } from './result.js';
import { clearSession, forgetUserSettings } from './session.js';

function opsKey(status) {
  return [status.state, status.pendingOps, status.failedOps, status.openConflicts, status.lastSyncAt,
    status.lastAttemptAt].join('|');
}

export function onStatus(status) {
  if (!state.client || !status) return;
  try {
    renderStatus(status);
  } catch (e) {
    reportError('Could not show the sync status', e);
  }
}

/** "Synced", "2 changes waiting", "1 rejected / 1 in conflict", "Offline", … */
function badgeLabel(summary, status) {
  if (summary === 'pending') return `${plural(status.pendingOps, 'change')} waiting`;
  if (summary === 'attention') {
    const parts = [];
    if (status.failedOps > 0) parts.push(`${status.failedOps} rejected`);
    if (status.openConflicts > 0) parts.push(`${status.openConflicts} in conflict`);
    return parts.join(' / ');
  }
  return SUMMARY_LABELS[summary] || String(summary);
}

function renderStatus(status) {
  const previous = state.lastStatus;
  state.lastStatus = status;
  if (status.state === 'syncing') state.sawSyncing = true;

  const badge = $('status-badge');
  const summary = status.summary || 'synced';
  badge.dataset.state = status.state;
  badge.dataset.summary = summary;
  badge.dataset.leader = String(Boolean(status.leader));
  badge.title = SUMMARY_TITLES[summary] || '';
  $('status-text').textContent = badgeLabel(summary, status);

  $('pending-count').textContent = String(status.pendingOps);
  $('pending-count').dataset.count = String(status.pendingOps);

  const lastSync = $('last-sync');
  if (status.lastSyncAt) {
    lastSync.textContent = formatTime(status.lastSyncAt);
    lastSync.dataset.time = status.lastSyncAt;
    lastSync.setAttribute('datetime', status.lastSyncAt);
    lastSync.title = new Date(status.lastSyncAt).toLocaleString();
  } else {
    lastSync.textContent = 'never';
    lastSync.dataset.time = '';
    lastSync.removeAttribute('datetime');
    lastSync.removeAttribute('title');
  }

  const lastError = $('last-error');
  if (status.lastError) {
    lastError.textContent = describeSyncError(status.lastError);
    lastError.title = technical({ error: status.lastError });
    lastError.dataset.kind = status.lastError.kind;
    show(lastError, true);
  } else {
    lastError.textContent = '';
    lastError.removeAttribute('title');
    delete lastError.dataset.kind;
    show(lastError, false);
  }

  renderProgress(status);
  renderNextSync(status);
  renderSyncButton();
  renderAutoSync(status.autoSync);
  trackRun(previous, status);

  if (!previous || opsKey(previous) !== opsKey(status)) refreshOps();

  if (isRevoked(status)) {
    deviceRevoked();
  } else if (status.state === 'error' && status.lastError && status.lastError.kind === 'unauthorized'
      && (state.sawSyncing || status.lastAttemptAt !== state.openedAttemptAt)) {
    expireSession();
  }
}

/** The server refused this device for good (an administrator revoked it: 403 `device_revoked`). */
export function isRevoked(status) {
  const e = status && status.lastError;
  return Boolean(status && (status.state === 'revoked'
    || (e && (e.kind === 'revoked' || e.code === 'device_revoked'))));
}

/**
 * A revoked device: its data is erased (`client.wipeLocalData()`, as the Java SDK does), the session ends, and the
 * sign-in view says what happened. Signing in again makes this browser a new device.
 */
export async function deviceRevoked() {
  const c = state.client;
  const s = state.session;
  if (!c || !s || state.revoking) return;
  state.revoking = true;
  try {
    clearSession(); // the other tabs sign out and close the store
    let erased = false;
    try {
      await c.wipeLocalData();
      erased = true;
    } catch (e) {
      console.error('could not erase the revoked device\'s data', e);
    }
    forgetUserSettings(s.username);
    if (state.session !== s) return;
    signOut('', { notice: { kind: 'revoked', title: 'This device was revoked',
      text: `An administrator revoked this device, so the server no longer accepts it. ${erased
        ? `${s.username}'s data on it was erased, with any changes not sent.`
        : `${s.username}'s data on it could not be erased; close the other tabs of this page and sign in again.`} `
        + 'Signing in again makes this browser a new device.' } });
  } finally {
    state.revoking = false;
  }
}

/**
 * Follows the syncs of this tab through the status (the SDK tells no result for the syncs it starts itself: on
 * start, after a write, on the interval, a server poke or reconnecting): what the progress said was sent and
 * received, and how it ended. A Sync Now shows the SDK's full result instead.
 */
function trackRun(previous, status) {
  if (status.state === 'syncing') {
    if (!state.run) state.run = { startedAt: performance.now(), pushed: 0, pulled: 0, manual: state.manualSync };
    if (state.manualSync) state.run.manual = true;
    const p = status.progress;
    if (p && p.phase === 'push') state.run.pushed = Math.max(state.run.pushed, p.total);
    if (p && p.phase === 'pull') state.run.pulled = Math.max(state.run.pulled, p.done);
    return;
  }
  if (state.run) {
    const ended = state.run;
    state.run = null;
    if (!ended.manual && !state.manualSync) {
      renderResult({
        pushed: ended.pushed,
        pulled: ended.pulled,
        durationMs: performance.now() - ended.startedAt,
        error: status.state === 'idle' ? null : status.lastError || { kind: status.state, message: '' },
      }, 'auto');
    }
    return;
  }
  if (previous && status.lastSyncAt && previous.lastSyncAt !== status.lastSyncAt && !state.manualSync) {
    renderResult({ error: null }, 'other-tab', status.lastSyncAt);
  } else if (!$('last-result').hidden) {
    renderWaiting(status.pendingOps); // the counts arrive after the state
  }
}

function renderProgress(status) {
  const node = $('progress');
  const p = status.progress;
  if (status.state !== 'syncing' || !p) {
    node.textContent = '';
    show(node, false);
    return;
  }
  if (p.phase === 'push') {
    node.textContent = `Sending changes: ${p.done} of ${p.total}`;
  } else {
    node.textContent = p.total >= 0 ? `Receiving changes: ${p.done} of ${p.total}` : `Receiving changes: ${p.done}`;
  }
  node.dataset.phase = p.phase;
  show(node, true);
}

function renderNextSync(status) {
  const node = $('next-sync');
  if (status.nextAttemptAt) {
    node.textContent = `Next sync at ${formatTime(status.nextAttemptAt)}`;
    node.dataset.time = status.nextAttemptAt;
    show(node, true);
  } else {
    node.textContent = '';
    node.dataset.time = '';
    show(node, false);
  }
}

export function renderSyncButton() {
  const busy = state.manualSync || Boolean(state.lastStatus && state.lastStatus.state === 'syncing');
  const button = $('sync-now');
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  setLabel(button, busy ? 'Syncing…' : 'Sync now');
}
