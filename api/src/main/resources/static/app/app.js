// Outpost Sync Control: a pharmacy device's dispenses, its outgoing queue and its sync status, on the browser SDK.
// Plain ES module, no build step. Every piece of record data is user input: it only ever goes into textContent.
import {
  openSyncClient,
  signIn,
  SyncRequestError,
  MIN_INTERVAL_SECONDS,
  MAX_INTERVAL_SECONDS,
} from '/sdk/outpost-sync.js';

const SESSION_KEY = 'outpost.session';
const COLLECTION = 'dispenses';
const FIELDS = ['medication', 'dose', 'patient', 'notes'];

const STATE_LABELS = { idle: 'Synced', syncing: 'Syncing…', offline: 'Offline', error: 'Error' };
const STATE_TITLES = {
  idle: 'Everything this device sent was accepted.',
  syncing: 'Exchanging changes with the server.',
  offline: 'The server cannot be reached. Changes are kept on this device and sent later.',
  error: 'The last sync failed.',
};
const INTERVAL_LABELS = { 30: '30 s', 60: '1 min', 300: '5 min', 600: '10 min', 1800: '30 min', 3600: '1 h' };

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------------------------
// State

/** The open client, or null while signed out. */
let client = null;
/** `{username, token}`; the same object is kept in localStorage. */
let session = null;
/** The password of the current sign-in, in memory only (never stored): it lets a refused token be renewed. */
let password = null;
/** Unsubscribe functions of the current client. */
let unsubscribers = [];
/** Increments on every sign-in and sign-out: async work of an older session drops its result. */
let sessionGen = 0;
/** Resolves when the previous client has closed (a new one opens the same store afterwards). */
let closing = Promise.resolve();
/** True while a client is being opened (sign-in or reload). */
let starting = false;

let lastStatus = null;
/** `lastAttemptAt` when the client opened, and whether a sync ran since: an old 'unauthorized' is not acted on. */
let openedAttemptAt = null;
let sawSyncing = false;
let expiring = false;

let manualSync = false;
let autoSyncBusy = false;
let appliedAutoSyncKey = null;

/** The record being edited: `{id, original}` (original: its data when editing began), or null. */
let editing = null;
/** The records last listed, by id. */
const recordsById = new Map();

let toastTimer = 0;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function show(node, visible) {
  node.hidden = !visible;
}

/** A field value as text: strings as they are, other JSON compactly. */
function display(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function compactJson(value) {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Local time of an ISO timestamp: the time alone today, the date and time otherwise. */
function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

function formatInterval(seconds) {
  if (INTERVAL_LABELS[seconds]) return INTERVAL_LABELS[seconds];
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A random UUID, also where `crypto.randomUUID` is missing (pages served over plain http on a LAN address). */
function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function isSyncRequestError(e) {
  return e instanceof SyncRequestError || (e !== null && typeof e === 'object' && e.error
    && typeof e.error.kind === 'string');
}

/** A readable message for anything thrown. */
function describeError(e) {
  if (isSyncRequestError(e)) {
    if (e.error.kind === 'offline') return 'The server cannot be reached right now.';
    return e.error.message || e.message || e.error.kind;
  }
  if (e && e.name === 'QuotaExceededError') return 'This device has run out of storage space.';
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

function setButtonBusy(button, busy, busyLabel) {
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  const label = button.querySelector('.label');
  if (label && busyLabel !== undefined) {
    if (busy) {
      if (button.dataset.idleLabel === undefined) button.dataset.idleLabel = label.textContent;
      label.textContent = busyLabel;
    } else if (button.dataset.idleLabel !== undefined) {
      label.textContent = button.dataset.idleLabel;
      delete button.dataset.idleLabel;
    }
  }
}

function setLabel(button, text) {
  const label = button.querySelector('.label');
  (label || button).textContent = text;
}

/**
 * Coalesces calls of an async task: one run at a time; calls during a run cause one more run after it; calls
 * before a run starts (same tick) share it.
 */
function coalesce(task, errorContext) {
  let scheduled = false;
  let running = false;
  let again = false;
  const run = async () => {
    scheduled = false;
    running = true;
    try {
      do {
        again = false;
        await task();
      } while (again);
    } catch (e) {
      reportError(errorContext, e);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) {
      again = true;
      return;
    }
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(run);
  };
}

/**
 * Brings a list's children in line with `items`, reusing the element of an item whose signature did not change (so
 * a click on a button is not lost to a re-render that changed nothing).
 */
const signatures = new WeakMap();
function reconcile(container, items, key, signature, build) {
  const old = new Map();
  for (const child of container.children) old.set(child.dataset.key, child);
  const next = items.map((item) => {
    const k = String(key(item));
    const sig = signature(item);
    const existing = old.get(k);
    if (existing && signatures.get(existing) === sig) return existing;
    const node = build(item);
    node.dataset.key = k;
    signatures.set(node, sig);
    return node;
  });
  next.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
  });
  while (container.children.length > next.length) container.lastElementChild.remove();
}

function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

function toast(message, kind = 'info') {
  const node = $('toast');
  node.textContent = message;
  node.dataset.kind = kind;
  show(node, true);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => show(node, false), kind === 'error' ? 8000 : 3500);
}

/** Shows an error of an action in #app-error (stays until dismissed or replaced). */
function reportError(context, e) {
  console.error(context, e);
  if ($('app').hidden) return; // signed out: the sign-in view shows its own errors
  const message = context ? `${context}: ${describeError(e)}` : describeError(e);
  $('app-error-text').textContent = message;
  $('app-error').dataset.kind = isSyncRequestError(e) ? e.error.kind : (e && e.name) || 'error';
  show($('app-error'), true);
}

function clearAppError() {
  $('app-error-text').textContent = '';
  delete $('app-error').dataset.kind;
  show($('app-error'), false);
}

/** Wraps an async event handler: whatever it throws is shown, never lost. */
function guarded(context, handler) {
  return async (event) => {
    try {
      await handler(event);
    } catch (e) {
      reportError(context, e);
    }
  };
}

function offlineNote() {
  return lastStatus && lastStatus.state === 'offline' ? ' — it will be sent when the server can be reached' : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Session

function loadSession() {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw);
    if (s && typeof s.username === 'string' && s.username && typeof s.token === 'string' && s.token) {
      return { username: s.username, token: s.token };
    }
  } catch (e) {
    console.warn('ignoring an unreadable session', e);
  }
  return null;
}

function saveSession(s) {
  try {
    localStorage.setItem(SESSION_KEY, JSON.stringify({ username: s.username, token: s.token }));
  } catch (e) {
    console.warn('could not keep the session', e);
  }
}

function clearSession() {
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch (e) {
    console.warn('could not remove the session', e);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Views

function showSignIn(message = '', username = '') {
  show($('boot'), false);
  show($('app'), false);
  show($('signin'), true);
  document.title = 'Sign in · Outpost Sync Control';
  showSigninError(message);
  if (username) $('username').value = username;
  $('password').value = '';
  ($('username').value ? $('password') : $('username')).focus();
}

function showSigninError(message) {
  $('signin-error').textContent = message || '';
  show($('signin-error'), Boolean(message));
}

function showBoot(text) {
  $('boot-text').textContent = text;
  show($('boot'), true);
  show($('signin'), false);
  show($('app'), false);
}

function showApp() {
  show($('boot'), false);
  show($('signin'), false);
  show($('app'), true);
  document.title = 'Outpost Sync Control';
}

function signInErrorMessage(e) {
  if (isSyncRequestError(e)) {
    switch (e.error.kind) {
      case 'offline':
        return 'The server cannot be reached. Signing in needs a connection; check it and try again.';
      case 'unauthorized':
        return 'Wrong username or password.';
      case 'busy':
        return 'Too many sign-in attempts. Wait a moment and try again.';
      case 'forbidden':
        return e.error.message || 'This account may not sign in here.';
      default:
        return e.error.message || 'Signing in failed.';
    }
  }
  return `Signing in failed: ${describeError(e)}`;
}

async function onSignInSubmit(event) {
  event.preventDefault();
  if (starting) return;
  const username = $('username').value.trim();
  const pw = $('password').value;
  if (!username || !pw) {
    showSigninError('Enter your username and password.');
    return;
  }
  showSigninError('');
  const button = $('signin-button');
  setButtonBusy(button, true, 'Signing in…');
  starting = true;
  try {
    let token;
    try {
      token = await signIn(undefined, username, pw);
    } catch (e) {
      showSigninError(signInErrorMessage(e));
      $('password').select();
      return;
    }
    const s = { username, token };
    saveSession(s);
    try {
      await startClient(s, pw);
    } catch (e) {
      console.error('could not open the client', e);
      showSignIn(`This device's store could not be opened: ${describeError(e)}`, username);
    }
  } finally {
    starting = false;
    setButtonBusy(button, false, 'Sign in');
  }
}

/** Opens the client for a session and shows the app. */
async function startClient(s, pw = null) {
  // the previous client closes after its running sync ends: wait a little for it, not for a whole request timeout
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1000))]);
  const gen = ++sessionGen;
  session = s;
  password = pw;
  const tokenProvider = async (refresh) => {
    if (refresh && password && session === s) {
      try {
        const token = await signIn(undefined, s.username, password);
        s.token = token;
        if (session === s) saveSession(s);
        return token;
      } catch (e) {
        // offline or refused: the stored token goes out; the server's answer tells the status
        console.warn('could not renew the token', e);
      }
    }
    return s.token;
  };
  const c = await openSyncClient({
    user: s.username,
    tokenProvider,
    collections: [COLLECTION],
    conflictHandler: () => 'leave-open',
    liveUpdates: true,
  });
  if (gen !== sessionGen) {
    // signed out (or another session started) while opening
    c.close().catch((e) => console.warn('close', e));
    return;
  }
  client = c;
  expiring = false;
  manualSync = false;
  sawSyncing = false;
  appliedAutoSyncKey = null;
  try {
    openedAttemptAt = c.status().lastAttemptAt;
  } catch {
    openedAttemptAt = null;
  }

  $('user-name').textContent = c.user || s.username;
  $('device-id').textContent = c.deviceId;
  $('device-id').title = c.deviceId;
  $('password').value = ''; // the password lives in memory only, not in a hidden form field
  clearAppError();
  stopEdit();
  resetResult();
  showApp();

  unsubscribers.push(c.subscribe(onStatus));
  unsubscribers.push(c.onChange(() => refreshList(), COLLECTION));
  refreshList();
  refreshOps();
}

/** Closes the client, forgets the session (the store with its queue stays) and shows the sign-in view. */
function signOut(message = '') {
  const c = client;
  const username = session ? session.username : '';
  sessionGen++;
  client = null;
  session = null;
  password = null;
  lastStatus = null;
  manualSync = false;
  for (const unsubscribe of unsubscribers.splice(0)) {
    try {
      unsubscribe();
    } catch (e) {
      console.warn('unsubscribe', e);
    }
  }
  clearSession();
  clearAppView();
  showSignIn(message, username);
  if (c) {
    closing = c.close().catch((e) => console.warn('close', e));
  }
  return closing;
}

/** Empties everything the previous user's data was shown in (a shared device). */
function clearAppView() {
  stopEdit();
  recordsById.clear();
  $('records').tBodies[0].replaceChildren();
  $('record-count').textContent = '0';
  show($('records-empty'), true);
  $('conflict-list').replaceChildren();
  $('failed-list').replaceChildren();
  $('queue-list').replaceChildren();
  show($('conflicts'), false);
  show($('failed'), false);
  $('queue-count').textContent = '0';
  show($('queue-empty'), true);
  $('user-name').textContent = '';
  $('device-id').textContent = '';
  resetResult();
  clearAppError();
  show($('interval-error'), false);
}

/** A refused token (after the SDK asked for a new one) ends the session: sign in again. */
function expireSession() {
  if (expiring) return;
  expiring = true;
  signOut('Your session has expired or was refused by the server. Please sign in again.');
}

// ---------------------------------------------------------------------------------------------------------------
// Status

function opsKey(status) {
  return [status.state, status.pendingOps, status.failedOps, status.openConflicts, status.lastSyncAt,
    status.lastAttemptAt].join('|');
}

function onStatus(status) {
  if (!client || !status) return;
  try {
    renderStatus(status);
  } catch (e) {
    reportError('Could not show the sync status', e);
  }
}

function renderStatus(status) {
  const previous = lastStatus;
  lastStatus = status;
  if (status.state === 'syncing') sawSyncing = true;

  const badge = $('status-badge');
  badge.dataset.state = status.state;
  badge.dataset.leader = String(Boolean(status.leader));
  badge.title = STATE_TITLES[status.state] || '';
  $('status-text').textContent = STATE_LABELS[status.state] || String(status.state);

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
    lastError.textContent = status.lastError.message || status.lastError.kind;
    lastError.dataset.kind = status.lastError.kind;
    show(lastError, true);
  } else {
    lastError.textContent = '';
    delete lastError.dataset.kind;
    show(lastError, false);
  }

  renderProgress(status);
  renderNextSync(status);
  renderSyncButton();
  renderAutoSync(status.autoSync);

  if (!previous || opsKey(previous) !== opsKey(status)) refreshOps();

  if (status.state === 'error' && status.lastError && status.lastError.kind === 'unauthorized'
      && (sawSyncing || status.lastAttemptAt !== openedAttemptAt)) {
    expireSession();
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

function renderSyncButton() {
  const busy = manualSync || Boolean(lastStatus && lastStatus.state === 'syncing');
  const button = $('sync-now');
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  setLabel(button, busy ? 'Syncing…' : 'Sync now');
}

// ---------------------------------------------------------------------------------------------------------------
// Sync now

function resetResult() {
  const node = $('last-result');
  for (const name of ['pushed', 'applied', 'merged', 'conflicts', 'rejected', 'failed', 'pulled', 'durationMs',
    'error', 'state']) {
    delete node.dataset[name];
  }
  $('last-result-line').textContent = '';
  $('last-result-error').textContent = '';
  show($('last-result-error'), false);
  show(node, false);
}

function renderResult(result) {
  const node = $('last-result');
  const n = (value) => (Number.isFinite(value) ? value : 0);
  const duration = Math.round(n(result.durationMs));
  node.dataset.pushed = String(n(result.pushed));
  node.dataset.applied = String(n(result.applied));
  node.dataset.merged = String(n(result.merged));
  node.dataset.conflicts = String(n(result.conflicts));
  node.dataset.rejected = String(n(result.rejected));
  node.dataset.failed = String(n(result.failed));
  node.dataset.pulled = String(n(result.pulled));
  node.dataset.durationMs = String(duration);
  node.dataset.error = result.error ? result.error.kind : '';
  node.dataset.state = result.error ? 'error' : 'ok';
  $('last-result-line').textContent = `pushed ${n(result.pushed)} · applied ${n(result.applied)} · merged `
    + `${n(result.merged)} · conflicts ${n(result.conflicts)} · rejected ${n(result.rejected)} · pulled `
    + `${n(result.pulled)} · ${duration} ms`;
  const errorNode = $('last-result-error');
  if (result.error) {
    errorNode.textContent = result.error.message || result.error.kind;
    show(errorNode, true);
  } else {
    errorNode.textContent = '';
    show(errorNode, false);
  }
  show(node, true);
}

async function onSyncNow() {
  const c = client;
  if (!c || manualSync) return;
  const gen = sessionGen;
  manualSync = true;
  renderSyncButton();
  try {
    const result = await c.syncNow();
    if (gen !== sessionGen) return;
    renderResult(result);
    if (result.error && result.error.kind === 'unauthorized') expireSession();
  } catch (e) {
    if (gen === sessionGen) reportError('Sync failed', e);
  } finally {
    if (gen === sessionGen) {
      manualSync = false;
      renderSyncButton();
      refreshList();
      refreshOps();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Auto-sync

function ensureIntervalOption(seconds) {
  const select = $('interval');
  const value = String(seconds);
  if ([...select.options].some((o) => o.value === value)) return;
  const option = new Option(formatInterval(seconds), value);
  const after = [...select.options].find((o) => Number(o.value) > seconds);
  select.add(option, after || null);
}

/** Applies the status's auto-sync setting to the controls when it changed (not while the user's change is saved). */
function renderAutoSync(autoSync) {
  if (!autoSync || autoSyncBusy) return;
  const key = `${autoSync.enabled}|${autoSync.intervalSeconds}`;
  if (key === appliedAutoSyncKey) return;
  appliedAutoSyncKey = key;
  $('auto-sync').checked = Boolean(autoSync.enabled);
  ensureIntervalOption(autoSync.intervalSeconds);
  $('interval').value = String(autoSync.intervalSeconds);
  $('interval').closest('.setting-row').dataset.enabled = String(Boolean(autoSync.enabled));
}

async function onAutoSyncChange() {
  const c = client;
  if (!c) return;
  const enabled = $('auto-sync').checked;
  const seconds = Number($('interval').value);
  const errorNode = $('interval-error');
  errorNode.textContent = '';
  show(errorNode, false);
  $('interval').closest('.setting-row').dataset.enabled = String(enabled);
  autoSyncBusy = true;
  try {
    await c.setAutoSync(enabled, seconds);
    if (c === client) {
      toast(enabled ? `Automatic sync every ${formatInterval(seconds)}` : 'Automatic sync is off');
    }
  } catch (e) {
    if (c !== client) return;
    if (e instanceof RangeError) {
      errorNode.textContent = e.message;
      show(errorNode, true);
    } else {
      reportError('Could not change automatic sync', e);
    }
    // back to the saved setting
    appliedAutoSyncKey = null;
    autoSyncBusy = false;
    renderAutoSync(c.status().autoSync);
  } finally {
    autoSyncBusy = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Records

const refreshList = coalesce(async () => {
  const c = client;
  if (!c) return;
  const gen = sessionGen;
  const records = await c.records(COLLECTION).list();
  if (gen !== sessionGen) return;
  renderRecords(records);
}, 'Could not load the dispenses');

const CELLS = [
  ['medication', 'Medication'],
  ['dose', 'Dose'],
  ['patient', 'Patient'],
  ['notes', 'Notes'],
];

function createRow() {
  const tr = document.createElement('tr');
  for (const [field, label] of CELLS) {
    const td = h('td', `c-${field}`);
    td.dataset.label = label;
    tr.append(td);
  }
  const version = h('td', 'c-version num');
  version.dataset.label = 'Version';
  const state = h('td', 'c-status');
  state.dataset.label = 'Status';
  const actions = h('td', 'c-actions');
  const edit = h('button', 'btn small edit', 'Edit');
  edit.type = 'button';
  const del = h('button', 'btn small danger-outline delete', 'Delete');
  del.type = 'button';
  actions.append(edit, del);
  tr.append(version, state, actions);
  return tr;
}

function updateRow(tr, record) {
  tr.dataset.id = record.id;
  tr.dataset.pending = String(Boolean(record.pending));
  tr.dataset.version = String(record.version);
  const data = record.data || {};
  for (const [field] of CELLS) {
    const td = tr.querySelector(`.c-${field}`);
    const text = display(data[field]);
    if (td.textContent !== text) td.textContent = text;
    td.title = text;
  }
  const version = tr.querySelector('.c-version');
  const versionText = String(record.version);
  if (version.textContent !== versionText) version.textContent = versionText;
  version.title = record.version === 0 ? 'Not confirmed by the server yet' : `Server version ${record.version}`;

  const state = tr.querySelector('.c-status');
  const wanted = record.pending ? 'pending' : 'synced';
  if (state.dataset.shows !== wanted) {
    state.dataset.shows = wanted;
    state.replaceChildren(record.pending
      ? h('span', 'pill pending', 'pending')
      : h('span', 'synced-mark', 'synced'));
  }
  const medication = display(data.medication) || record.id;
  tr.querySelector('.edit').setAttribute('aria-label', `Edit ${medication}`);
  tr.querySelector('.delete').setAttribute('aria-label', `Delete ${medication}`);
  tr.classList.toggle('editing', Boolean(editing && editing.id === record.id));
}

function renderRecords(records) {
  const tbody = $('records').tBodies[0];
  recordsById.clear();
  for (const record of records) recordsById.set(record.id, record);

  const rows = new Map();
  for (const tr of [...tbody.rows]) {
    if (recordsById.has(tr.dataset.id)) rows.set(tr.dataset.id, tr);
    else tr.remove();
  }
  records.forEach((record, i) => {
    const tr = rows.get(record.id) || createRow();
    updateRow(tr, record);
    if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
  });

  $('record-count').textContent = String(records.length);
  show($('records-empty'), records.length === 0);

  if (editing && !recordsById.has(editing.id)) {
    stopEdit();
    toast('The dispense being edited was deleted', 'error');
  }
}

function readForm() {
  const values = {};
  for (const field of FIELDS) values[field] = $(`field-${field}`).value.trim();
  return values;
}

function showRecordError(message) {
  $('record-error').textContent = message || '';
  show($('record-error'), Boolean(message));
}

function startEdit(id) {
  const record = recordsById.get(id);
  if (!record) return;
  const data = record.data || {};
  editing = { id, original: { ...data } };
  $('record-id').value = id;
  for (const field of FIELDS) $(`field-${field}`).value = display(data[field]);
  const form = $('record-form');
  form.dataset.mode = 'edit';
  $('form-title').textContent = `Editing ${display(data.medication) || 'dispense'}`;
  setLabel($('save-record'), 'Save changes');
  show($('cancel-edit'), true);
  showRecordError('');
  for (const tr of $('records').tBodies[0].rows) tr.classList.toggle('editing', tr.dataset.id === id);
  form.scrollIntoView({ block: 'nearest' });
  $('field-medication').focus();
}

function stopEdit() {
  editing = null;
  const form = $('record-form');
  form.reset();
  $('record-id').value = '';
  form.dataset.mode = 'create';
  $('form-title').textContent = 'New dispense';
  setLabel($('save-record'), 'Add dispense');
  show($('cancel-edit'), false);
  showRecordError('');
  for (const tr of $('records').tBodies[0].rows) tr.classList.remove('editing');
}

async function onRecordSubmit(event) {
  event.preventDefault();
  const c = client;
  if (!c) return;
  const values = readForm();
  if (!values.medication) {
    showRecordError('Enter the medication.');
    $('field-medication').focus();
    return;
  }
  showRecordError('');
  const button = $('save-record');
  if (button.disabled) return;
  const wasEditing = editing;
  setButtonBusy(button, true, wasEditing ? 'Saving…' : 'Adding…');
  try {
    const records = c.records(COLLECTION);
    if (wasEditing) {
      const patch = {};
      for (const field of FIELDS) {
        if (values[field] !== display(wasEditing.original[field])) patch[field] = values[field];
      }
      if (Object.keys(patch).length === 0) {
        toast('Nothing changed');
        stopEdit();
        return;
      }
      await records.update(wasEditing.id, patch);
      if (c !== client) return;
      if (editing === wasEditing) stopEdit();
      toast(`Changes saved${offlineNote()}`);
    } else {
      await records.create(`disp-${uuid()}`, values);
      if (c !== client) return;
      $('record-form').reset();
      $('record-id').value = '';
      $('field-medication').focus();
      toast(`Dispense added${offlineNote()}`);
    }
  } catch (e) {
    if (c === client) reportError(wasEditing ? 'Could not save the changes' : 'Could not add the dispense', e);
  } finally {
    setButtonBusy(button, false, editing ? 'Save changes' : 'Add dispense');
    setLabel(button, editing ? 'Save changes' : 'Add dispense');
    if (c === client) {
      refreshList();
      refreshOps();
    }
  }
}

async function onRecordsClick(event) {
  const button = event.target.closest('button');
  if (!button) return;
  const tr = button.closest('tr[data-id]');
  if (!tr) return;
  const id = tr.dataset.id;
  if (button.classList.contains('edit')) {
    startEdit(id);
    return;
  }
  if (!button.classList.contains('delete')) return;
  const c = client;
  if (!c) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await c.records(COLLECTION).delete(id);
    if (c !== client) return;
    if (editing && editing.id === id) stopEdit();
    toast(`Dispense deleted${offlineNote()}`);
  } catch (e) {
    if (c === client) reportError('Could not delete the dispense', e);
  } finally {
    button.disabled = false;
    button.setAttribute('aria-busy', 'false');
    if (c === client) {
      refreshList();
      refreshOps();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conflicts, failed ops, queue

const refreshOps = coalesce(async () => {
  const c = client;
  if (!c) return;
  const gen = sessionGen;
  const [conflicted, failed, pending] = await Promise.all([c.conflictedOps(), c.failedOps(), c.pendingOps()]);
  if (gen !== sessionGen) return;
  renderConflicts(conflicted);
  renderFailed(failed);
  renderQueue(pending);
}, 'Could not load the queue');

function opTitle(op) {
  return `${op.type} ${op.id}`;
}

function jsonBlock(label, value, className) {
  const box = h('div', `json-box ${className}`);
  box.append(h('span', 'json-label', label), h('code', 'json', value));
  return box;
}

function buildConflictItem(op) {
  const conflict = op.conflict || {};
  const li = h('li', 'op-item conflict-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  if (conflict.conflictId) li.dataset.conflictId = conflict.conflictId;

  const head = h('div', 'op-head');
  head.append(h('span', `op-type op-${op.type}`, op.type), h('span', 'record-id', op.id));
  if (conflict.serverVersion !== undefined) {
    head.append(h('span', 'op-meta', `server v${conflict.serverVersion} · yours on v${op.baseVersion}`));
  }
  li.append(head);

  const fields = Array.isArray(conflict.fields) && conflict.fields.length ? conflict.fields.join(', ') : 'whole record';
  const fieldsLine = h('p', 'op-fields');
  fieldsLine.append(h('span', 'op-fields-label', 'Fields: '), h('span', 'fields', fields));
  li.append(fieldsLine);

  const compare = h('div', 'compare');
  const mine = 'localAttempt' in conflict ? conflict.localAttempt : op.data;
  compare.append(jsonBlock('yours:', mine === null ? 'delete' : compactJson(mine), 'yours'));
  compare.append(jsonBlock('server:', conflict.serverDeleted ? 'deleted' : compactJson(conflict.serverData),
    'server'));
  li.append(compare);

  if (conflict.conflictId) {
    li.append(h('p', 'muted small', 'Parked on the server for review; keeping yours needs a connection.'));
  }

  li.append(opActions(['btn small keep-server', 'Keep server'], ['btn small primary keep-mine', 'Keep mine']));
  return li;
}

/** A row of buttons for an op item: each [class names, label]. */
function opActions(...buttons) {
  const actions = h('div', 'op-actions');
  for (const [classes, label] of buttons) {
    const button = h('button', classes, label);
    button.type = 'button';
    actions.append(button);
  }
  return actions;
}

function renderConflicts(ops) {
  reconcile($('conflict-list'), ops, (op) => op.opId, (op) => JSON.stringify(op), buildConflictItem);
  $('conflict-count').textContent = String(ops.length);
  show($('conflicts'), ops.length > 0);
}

function buildFailedItem(op) {
  const li = h('li', 'op-item failed-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  const error = op.error || { code: 'failed', message: '', fields: [] };
  li.dataset.code = error.code || '';

  const head = h('div', 'op-head');
  head.append(h('span', `op-type op-${op.type}`, op.type), h('span', 'record-id', op.id));
  li.append(head);

  const message = h('p', 'op-error');
  message.append(h('code', 'error-code', error.code || 'failed'));
  if (error.message) message.append(document.createTextNode(` ${error.message}`));
  li.append(message);

  if (Array.isArray(error.fields) && error.fields.length) {
    const list = h('ul', 'field-errors');
    for (const f of error.fields) {
      const item = h('li');
      item.append(h('code', '', f.field), document.createTextNode(` ${f.message}`));
      list.append(item);
    }
    li.append(list);
  }
  if (op.data) li.append(jsonBlock('change:', compactJson(op.data), 'yours'));

  li.append(opActions(['btn small danger-outline discard', 'Discard'], ['btn small primary retry', 'Retry']));
  return li;
}

function renderFailed(ops) {
  reconcile($('failed-list'), ops, (op) => op.opId, (op) => JSON.stringify(op), buildFailedItem);
  $('failed-count').textContent = String(ops.length);
  show($('failed'), ops.length > 0);
}

function buildQueueItem(op) {
  const li = h('li', 'queue-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  li.dataset.state = op.state;
  li.append(
    h('span', 'queue-op', `#${op.opId}`),
    h('span', `op-type op-${op.type}`, op.type),
    h('span', 'record-id', op.id),
    h('span', `queue-state state-${op.state}`, op.state === 'syncing' ? 'sending' : op.state),
  );
  li.title = `${opTitle(op)} on version ${op.baseVersion}, written ${formatTime(op.clientTimestamp)}`;
  return li;
}

function renderQueue(ops) {
  reconcile($('queue-list'), ops, (op) => op.opId, (op) => `${op.state}|${op.id}|${op.type}|${op.baseVersion}`,
    buildQueueItem);
  $('queue-count').textContent = String(ops.length);
  show($('queue-empty'), ops.length === 0);
}

function setItemBusy(li, busy) {
  for (const button of li.querySelectorAll('button')) {
    button.disabled = busy;
    button.setAttribute('aria-busy', busy ? 'true' : 'false');
  }
  li.classList.toggle('busy', busy);
}

async function onConflictClick(event) {
  const button = event.target.closest('button');
  const li = button && button.closest('li[data-op-id]');
  if (!li) return;
  let resolution;
  if (button.classList.contains('keep-server')) resolution = 'server';
  else if (button.classList.contains('keep-mine')) resolution = 'client';
  else return;
  const c = client;
  if (!c) return;
  const opId = Number(li.dataset.opId);
  setItemBusy(li, true);
  try {
    await c.resolveConflict(opId, resolution);
    if (c === client) toast(resolution === 'server' ? "Kept the server's version" : `Kept your version${offlineNote()}`);
  } catch (e) {
    if (c === client) reportError('Could not resolve the conflict', e);
  } finally {
    setItemBusy(li, false);
    if (c === client) {
      refreshOps();
      refreshList();
    }
  }
}

async function onFailedClick(event) {
  const button = event.target.closest('button');
  const li = button && button.closest('li[data-op-id]');
  if (!li) return;
  const isRetry = button.classList.contains('retry');
  if (!isRetry && !button.classList.contains('discard')) return;
  const c = client;
  if (!c) return;
  const opId = Number(li.dataset.opId);
  setItemBusy(li, true);
  try {
    if (isRetry) {
      const newOpId = await c.requeue(opId);
      if (c === client) {
        toast(newOpId === null || newOpId === undefined ? 'That change is no longer in the queue'
          : `Queued again${offlineNote()}`);
      }
    } else {
      const dropped = await c.discard(opId);
      if (c === client) toast(dropped ? 'Change discarded' : 'That change is no longer in the queue');
    }
  } catch (e) {
    if (c === client) reportError(isRetry ? 'Could not queue the change again' : 'Could not discard the change', e);
  } finally {
    setItemBusy(li, false);
    if (c === client) {
      refreshOps();
      refreshList();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring and start

function onStorage(event) {
  if (event.storageArea !== localStorage || (event.key !== SESSION_KEY && event.key !== null)) return;
  const stored = loadSession();
  if (client && session) {
    if (!stored) signOut('You signed out in another tab.');
    else if (stored.username !== session.username) signOut(`${stored.username} signed in in another tab.`);
    else session.token = stored.token; // renewed in another tab
  } else if (!client && !starting && stored) {
    starting = true;
    showBoot('Opening…');
    startClient(stored)
      .catch((e) => showSignIn(`This device's store could not be opened: ${describeError(e)}`, stored.username))
      .finally(() => {
        starting = false;
      });
  }
}

function wire() {
  $('signin-form').addEventListener('submit', guarded('Signing in failed', onSignInSubmit));
  $('signout').addEventListener('click', guarded('Signing out failed', () => signOut('')));
  $('sync-now').addEventListener('click', guarded('Sync failed', onSyncNow));
  $('auto-sync').addEventListener('change', guarded('Could not change automatic sync', onAutoSyncChange));
  $('interval').addEventListener('change', guarded('Could not change automatic sync', onAutoSyncChange));
  $('record-form').addEventListener('submit', guarded('Could not save the dispense', onRecordSubmit));
  $('cancel-edit').addEventListener('click', () => stopEdit());
  $('records').addEventListener('click', guarded('Action failed', onRecordsClick));
  $('conflict-list').addEventListener('click', guarded('Could not resolve the conflict', onConflictClick));
  $('failed-list').addEventListener('click', guarded('Action failed', onFailedClick));
  $('app-error-dismiss').addEventListener('click', () => clearAppError());
  $('toast').addEventListener('click', () => show($('toast'), false));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && editing) stopEdit();
  });
  window.addEventListener('storage', onStorage);
  window.addEventListener('unhandledrejection', (event) => reportError('Unexpected error', event.reason));
  window.addEventListener('error', (event) => reportError('Unexpected error', event.error || event.message));
  $('interval-hint').textContent = `Between ${formatInterval(MIN_INTERVAL_SECONDS)} and `
    + `${formatInterval(MAX_INTERVAL_SECONDS)}. Also syncs shortly after each change and when the connection returns.`;
}

/**
 * A read-only hook for tests and debugging in the console: `window.outpost.client` is the open SyncClient (null while
 * signed out). Nothing on the page depends on it.
 */
function exposeForTests() {
  Object.defineProperty(window, 'outpost', {
    configurable: true,
    value: Object.freeze({
      get client() {
        return client;
      },
    }),
  });
}

async function boot() {
  exposeForTests();
  wire();
  const stored = loadSession();
  if (!stored) {
    showSignIn('');
    return;
  }
  starting = true;
  showBoot('Opening…');
  try {
    await startClient(stored);
  } catch (e) {
    console.error('could not open the client', e);
    showSignIn(`This device's store could not be opened: ${describeError(e)}`, stored.username);
  } finally {
    starting = false;
  }
}

boot();
