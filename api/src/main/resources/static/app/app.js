// Outpost Sync Control: this device's records of the server's collections, its outgoing queue and its sync status,
// on the browser SDK. The list and the form follow the collection's JSON Schema from GET /api/v1/collections.
// Plain ES module, no build step. Every piece of record data is user input: it only ever goes into textContent.
import {
  openSyncClient,
  signIn,
  SyncRequestError,
  MIN_INTERVAL_SECONDS,
  MAX_INTERVAL_SECONDS,
} from '/sdk/outpost-sync.js';

const SESSION_KEY = 'outpost.session';
/** `<prefix><user>`: the collection the user last picked. */
const COLLECTION_KEY = 'outpost.collection.';
/** `<prefix><user>`: the last answer of GET /api/v1/collections, so that the page opens offline too. */
const CATALOG_KEY = 'outpost.collections.';
/** Shown first when the server has it, and offered when the server accepts undeclared collections. */
const DEFAULT_COLLECTION = 'dispenses';
const CATALOG_TIMEOUT_MS = 10000;
/** With an answer stored for the user, the page opens on it when the server is silent for this long. */
const STORED_CATALOG_WAIT_MS = 3000;

/** The badge by the SDK's `status.summary`: "Synced" only when nothing is pending, rejected or in conflict. */
const SUMMARY_LABELS = { synced: 'Synced', syncing: 'Syncing…', offline: 'Offline', error: 'Error' };
const SUMMARY_TITLES = {
  synced: 'Everything this device sent was accepted.',
  syncing: 'Exchanging changes with the server.',
  offline: 'The server cannot be reached. Changes are kept on this device and sent later.',
  error: 'The last sync failed.',
  pending: 'Changes made on this device have not been sent to the server yet.',
  attention: 'The server rejected changes or they are in conflict: they wait for your decision below.',
};
const INTERVAL_LABELS = { 30: '30 s', 60: '1 min', 300: '5 min', 600: '10 min', 1800: '30 min', 3600: '1 h' };

/** A sync error kind (SDK `SyncError.kind`) in plain words. */
const SYNC_ERROR_TEXT = {
  offline: 'The server cannot be reached. Changes stay on this device and are sent when it can be reached.',
  busy: 'The server is busy. The page tries again shortly.',
  server: 'The server had a problem. The page tries again later.',
  unauthorized: 'The server did not accept your sign-in.',
  forbidden: 'This account may not sync here.',
  refused: 'The server refused the request.',
  local: "This device's storage had a problem.",
  revoked: 'An administrator revoked this device; the server no longer accepts it.',
};

/** A push rejection code in plain words (docs/errors.md, operation-level errors). */
const REJECTION_TEXT = {
  validation_failed: 'The server did not accept this change: some fields are not valid.',
  invalid_reference: 'This change names a record that does not exist (or was deleted).',
  unknown_collection: 'The server does not have this collection.',
  not_found: 'The record no longer exists on the server, or this account may not see it.',
  record_too_large: 'The record is too large for the server (at most 256 KiB).',
  invalid_operation: 'The server could not process this change.',
  op_id_reused: 'The server already holds a different change under the same number; this one was not applied.',
};

/** Unit suffixes of field names: `doseMg` reads "Dose (mg)". */
const UNITS = { mg: 'mg', mcg: 'mcg', ug: 'µg', ml: 'ml', kg: 'kg', cm: 'cm', mm: 'mm', km: 'km', ms: 'ms',
  pct: '%', percent: '%' };
const TYPE_WORDS = { number: 'a number', integer: 'a whole number', string: 'text', boolean: 'yes or no',
  array: 'a list', object: 'a group of fields', null: 'empty' };

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------------------------
// State

/** The open client, or null while signed out. */
let client = null;
/** `{username, token}`; kept sealed in localStorage (see Session). */
let session = null;
/** The password of the current sign-in, in memory only (never stored): it lets a refused token be renewed. */
let password = null;
/** Unsubscribe functions of the current client. */
let unsubscribers = [];
/** Increments on every sign-in, sign-out and reopen: async work of an older client drops its result. */
let sessionGen = 0;
/** Resolves when the previous client has closed (a new one opens the same store afterwards). */
let closing = Promise.resolve();
/** True while a client is being opened (sign-in or reload). */
let starting = false;

/**
 * What the server says about its collections: `{collections: Map<name, info|null>, allowUndeclared, source}`; info
 * null for an undeclared collection (no schema, the defaults); source 'server', 'cache' (stored answer) or 'default'.
 */
let catalog = null;
/** The collection shown: `{name, info, schema, fields, loose}` (loose: no schema, fields from the records seen). */
let current = null;

let lastStatus = null;
/** `lastAttemptAt` when the client opened, and whether a sync ran since: an old 'unauthorized' is not acted on. */
let openedAttemptAt = null;
let sawSyncing = false;
let expiring = false;
/** True while a revoked device's data is erased. */
let revoking = false;
/** The sync this tab is running, as seen in the status (for the last-result box of automatic syncs). */
let run = null;

let manualSync = false;
let autoSyncBusy = false;
let appliedAutoSyncKey = null;

/** The record being edited: `{id, original}` (original: its data when editing began), or null. */
let editing = null;
/** The records last listed, by id. */
const recordsById = new Map();
/** Records of the collections the shown one references, by collection, then id (for names and pickers). */
const referenced = new Map();

let toastTimer = 0;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function show(node, visible) {
  node.hidden = !visible;
}

function compactJson(value) {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A value as short text: strings as they are, lists of plain values joined, other JSON compactly. */
function display(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    return value.map((v) => display(v)).join(', ');
  }
  const text = compactJson(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
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

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
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

/** A sync error (`{kind, message}`) in plain words. */
function describeSyncError(error) {
  if (!error) return '';
  if (error.kind === 'busy' && error.code === 'retry_after') return 'The server asked to wait a little before the next sync.';
  // a write the SDK refused before queueing it: the server would refuse it for certain
  if (error.kind === 'local' && error.code === 'validation_failed') {
    return 'The change breaks the collection\'s rules, so it was not saved (see Details).';
  }
  if (error.kind === 'local' && error.code === 'forbidden') return 'This account may not make this change.';
  return SYNC_ERROR_TEXT[error.kind] || 'The sync did not complete.';
}

/** The technical side of anything thrown, for the details and the console. */
function technical(e) {
  if (isSyncRequestError(e)) {
    const { kind, status, code, message } = e.error;
    return [kind, status ? `HTTP ${status}` : '', code || '', message || ''].filter(Boolean).join(' · ');
  }
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/** A plain sentence for anything thrown (the technical text goes to the details and the console). */
function describeError(e) {
  if (isSyncRequestError(e)) return describeSyncError(e.error);
  if (e && e.name === 'QuotaExceededError') return 'This device has run out of storage space.';
  if (e && (e.name === 'InvalidStateError' || e.name === 'UnknownError' || e.name === 'AbortError')) {
    return "This device's storage could not be used. Reloading the page usually helps.";
  }
  return 'Something went wrong on this page.';
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

/** A collapsed "Details" box with technical text. */
function detailsBox(text) {
  const box = h('details', 'tech-details');
  box.append(h('summary', '', 'Details'), h('code', 'tech-text', text));
  return box;
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

/** Shows an error of an action in #app-error in plain words, the technical text in its details and the console. */
function reportError(context, e) {
  console.error(context, e);
  if ($('app').hidden) return; // signed out: the sign-in view shows its own errors
  const sentence = describeError(e);
  $('app-error-text').textContent = context ? `${context}. ${sentence}` : sentence;
  $('app-error-detail').textContent = technical(e);
  $('app-error-details').open = false;
  $('app-error').dataset.kind = isSyncRequestError(e) ? e.error.kind : (e && e.name) || 'error';
  show($('app-error'), true);
}

function clearAppError() {
  $('app-error-text').textContent = '';
  $('app-error-detail').textContent = '';
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

function readStored(key) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (e) {
    console.warn(`ignoring an unreadable ${key}`, e);
    return null;
  }
}

function writeStored(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    console.warn(`could not keep ${key}`, e);
  }
}

// The bearer token is never in localStorage in plain form (docs/offline-browser.md). localStorage holds
// `{username, iv, sealed}`: the token encrypted with AES-GCM (the username as additional data) under a CryptoKey that
// is not extractable and lives in IndexedDB. A dump of localStorage, or a search of the profile's files for the token,
// finds nothing; no script can read the key's bytes, only use it from a page of this origin. Signing out deletes the
// key, so a copy of the sealed token is worth nothing afterwards. The session stays in localStorage (not
// sessionStorage) so that the page opens signed in after a reload or a browser restart while the server cannot be
// reached, and so that the other tabs hear of sign-in and sign-out (storage events). Without WebCrypto (a page over
// plain http on a LAN address is not a secure context) the token stays in this tab's sessionStorage and localStorage
// holds only the username.

/** The page's own IndexedDB database: not `outpost-<user>`, the SDK's stores are named so. */
const KEY_DB = 'outpost.page';
const KEY_STORE = 'keys';
const SESSION_KEY_ID = 'session';
/** This tab's copy of the token where it cannot be sealed. */
const TAB_TOKEN_KEY = 'outpost.session.token';

const utf8 = new TextEncoder();

function canSeal() {
  return Boolean(window.isSecureContext && globalThis.crypto && crypto.subtle && globalThis.indexedDB);
}

function openKeyDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(KEY_DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(KEY_STORE);
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
  });
}

/** One transaction on the key store: `work(store, done)`; resolves with what `done` was given, once committed. */
async function withKeyStore(mode, work) {
  const db = await openKeyDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(KEY_STORE, mode);
      let result = null;
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new DOMException('the key transaction was aborted', 'AbortError'));
      work(tx.objectStore(KEY_STORE), (value) => {
        result = value;
      });
    });
  } finally {
    db.close();
  }
}

function storedSessionKey() {
  return withKeyStore('readonly', (store, done) => {
    const get = store.get(SESSION_KEY_ID);
    get.onsuccess = () => done(get.result || null);
  });
}

/** The key, made on first use; two tabs making one at once both end up with the one stored first. */
async function sessionKey() {
  const existing = await storedSessionKey();
  if (existing) return existing;
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  return withKeyStore('readwrite', (store, done) => {
    const get = store.get(SESSION_KEY_ID);
    get.onsuccess = () => {
      if (get.result) {
        done(get.result);
      } else {
        store.put(fresh, SESSION_KEY_ID);
        done(fresh);
      }
    };
  });
}

/** Deletes the key: a sealed token anywhere (a copy of localStorage) can no longer be opened. */
async function forgetSessionKey() {
  if (!canSeal()) return;
  try {
    await withKeyStore('readwrite', (store) => store.delete(SESSION_KEY_ID));
  } catch (e) {
    console.warn('could not delete the session key', e);
  }
}

function toBase64(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function seal(username, token) {
  const key = await sessionKey();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8.encode(username) }, key,
    utf8.encode(token));
  return { username, iv: toBase64(iv), sealed: toBase64(new Uint8Array(sealed)) };
}

/** The token of a sealed session; null when the key is gone (signed out since) or it does not open. */
async function unseal(stored) {
  const key = await storedSessionKey();
  if (!key) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(stored.iv),
      additionalData: utf8.encode(stored.username) }, key, fromBase64(stored.sealed));
    return new TextDecoder().decode(plain);
  } catch (e) {
    console.warn('the stored session does not open with the current key', e);
    return null;
  }
}

function readTabToken(username) {
  try {
    const s = JSON.parse(sessionStorage.getItem(TAB_TOKEN_KEY) || 'null');
    return s && s.username === username && typeof s.token === 'string' ? s.token : null;
  } catch {
    return null;
  }
}

function writeTabToken(s) {
  try {
    if (s) sessionStorage.setItem(TAB_TOKEN_KEY, JSON.stringify({ username: s.username, token: s.token }));
    else sessionStorage.removeItem(TAB_TOKEN_KEY);
  } catch (e) {
    console.warn('could not keep the session in this tab', e);
  }
}

/** The username of the stored session (without opening it), or null. */
function storedUsername() {
  const s = readStored(SESSION_KEY);
  return s && typeof s.username === 'string' && s.username ? s.username : null;
}

/** The stored session `{username, token}`, or null. */
async function loadSession() {
  const s = readStored(SESSION_KEY);
  if (!s || typeof s.username !== 'string' || !s.username) return null;
  if (typeof s.token === 'string' && s.token) {
    // kept in plain form by an earlier version of the page: sealed now, and the plain copy is gone
    const session = { username: s.username, token: s.token };
    await saveSession(session);
    return session;
  }
  let token = null;
  if (typeof s.sealed === 'string' && typeof s.iv === 'string') {
    if (canSeal()) token = await unseal(s).catch((e) => console.warn('could not open the stored session', e));
  } else {
    token = readTabToken(s.username);
  }
  return token ? { username: s.username, token } : null;
}

/** Keeps the session; `current()` false after the sealing (signed out meanwhile): nothing is written. */
async function saveSession(s, current = () => true) {
  if (canSeal()) {
    try {
      const sealed = await seal(s.username, s.token);
      if (!current()) return;
      writeStored(SESSION_KEY, sealed);
      writeTabToken(null);
      return;
    } catch (e) {
      console.warn('could not seal the token; it is kept in this tab only', e);
    }
  }
  writeTabToken(s);
  writeStored(SESSION_KEY, { username: s.username });
}

function clearSession() {
  writeTabToken(null);
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch (e) {
    console.warn('could not remove the session', e);
  }
}

/** What the page keeps for a user besides the session: the collection picked and the server's collections. */
function forgetUserSettings(username) {
  for (const key of [COLLECTION_KEY + username, CATALOG_KEY + username]) {
    try {
      localStorage.removeItem(key);
    } catch (e) {
      console.warn(`could not remove ${key}`, e);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Views

/** The sign-in view; `notice` `{kind, title, text}` above the form (a revoked device, data erased), or null. */
function showSignIn(message = '', username = '', notice = null) {
  show($('boot'), false);
  show($('app'), false);
  show($('signin'), true);
  document.title = 'Sign in · Outpost Sync Control';
  showSigninError(message);
  showSigninNotice(notice);
  if (username) $('username').value = username;
  $('password').value = '';
  ($('username').value ? $('password') : $('username')).focus();
}

function showSigninNotice(notice) {
  const node = $('signin-notice');
  $('signin-notice-title').textContent = notice ? notice.title : '';
  $('signin-notice-text').textContent = notice ? notice.text : '';
  node.dataset.kind = notice ? notice.kind : '';
  show(node, Boolean(notice));
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
        return 'This account may not sign in here.';
      default:
        return 'Signing in failed. Try again in a moment.';
    }
  }
  return `Signing in failed. ${describeError(e)}`;
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
      console.warn('sign-in failed', e);
      showSigninError(signInErrorMessage(e));
      $('password').select();
      return;
    }
    const s = { username, token };
    await saveSession(s);
    try {
      await startClient(s, pw);
    } catch (e) {
      console.error('could not open the client', e);
      showSignIn(`This device's store could not be opened. ${describeError(e)}`, username);
    }
  } finally {
    starting = false;
    setButtonBusy(button, false, 'Sign in');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Collections: GET /api/v1/collections, kept per user for offline starts

/** The answer as the page uses it; anything unexpected in it is left out. */
function readCatalog(answer, source) {
  const collections = new Map();
  const declared = answer && typeof answer.collections === 'object' && answer.collections ? answer.collections : {};
  for (const name of Object.keys(declared).sort()) {
    const c = declared[name];
    if (!c || typeof c !== 'object') continue;
    collections.set(name, {
      schema: c.schema && typeof c.schema === 'object' ? c.schema : null,
      idMode: c.idMode === 'server' ? 'server' : 'client',
      visibility: c.visibility || 'tenant',
      ownerField: c.ownerField || null,
      references: c.references && typeof c.references === 'object' ? c.references : {},
      conflictStrategy: c.conflictStrategy || null,
      canWrite: c.canWrite !== false,
    });
  }
  const allowUndeclared = Boolean(answer && answer.allowUndeclared);
  if (allowUndeclared && !collections.has(DEFAULT_COLLECTION)) collections.set(DEFAULT_COLLECTION, null);
  if (collections.size === 0) collections.set(DEFAULT_COLLECTION, null); // nothing declared: the page still opens
  return { collections, allowUndeclared, source };
}

/** GET /api/v1/collections with the session's token (renewed once after a 401); the parsed answer. */
async function fetchCollections(tokenProvider, timeoutMs = CATALOG_TIMEOUT_MS) {
  const get = async (token) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await fetch('/api/v1/collections', {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        cache: 'no-store',
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  };
  let response = await get(await tokenProvider(false));
  if (response.status === 401) response = await get(await tokenProvider(true));
  if (!response.ok) throw new Error(`GET /api/v1/collections answered ${response.status}`);
  return response.json();
}

/**
 * The server's answer, else the one stored for this user, else the defaults (an undeclared `dispenses`). With a
 * stored answer the server gets STORED_CATALOG_WAIT_MS (a silent network should not hold the page for long; the
 * collections are asked for again after the first sync), and none while the browser knows it is offline.
 */
async function loadCatalog(user, tokenProvider) {
  const stored = readStored(CATALOG_KEY + user);
  try {
    if (stored && navigator.onLine === false) throw new Error('the browser is offline');
    const answer = await fetchCollections(tokenProvider, stored ? STORED_CATALOG_WAIT_MS : CATALOG_TIMEOUT_MS);
    writeStored(CATALOG_KEY + user, answer);
    return readCatalog(answer, 'server');
  } catch (e) {
    console.warn('could not load the collections from the server; using the stored ones', e);
    return stored ? readCatalog(stored, 'cache') : readCatalog({ collections: {}, allowUndeclared: true }, 'default');
  }
}

/** What the SDK needs to know of the collections: names, server ids, references. */
function clientCollections(cat) {
  return [...cat.collections].map(([name, info]) => {
    const references = {};
    if (info) {
      for (const [field, target] of Object.entries(info.references)) {
        if (cat.collections.has(target)) references[field] = target;
      }
    }
    return { name, serverIds: Boolean(info && info.idMode === 'server'), references };
  });
}

function catalogKey(cat) {
  return JSON.stringify(clientCollections(cat));
}

function storedCollection(user, cat) {
  try {
    const name = localStorage.getItem(COLLECTION_KEY + user);
    if (name && cat.collections.has(name)) return name;
  } catch {
    // no storage: the default
  }
  return cat.collections.has(DEFAULT_COLLECTION) ? DEFAULT_COLLECTION : [...cat.collections.keys()][0];
}

/**
 * After the first sync of a client opened with a stored (or default) answer: ask the server again. New schemas are
 * shown at once; another set of collections reopens the client.
 */
async function refreshCatalog(tokenProvider) {
  const c = client;
  const gen = sessionGen;
  const user = session && session.username;
  let answer;
  try {
    answer = await fetchCollections(tokenProvider);
  } catch (e) {
    console.warn('the collections are still the stored ones', e);
    return false;
  }
  if (gen !== sessionGen || c !== client || !user) return true;
  writeStored(CATALOG_KEY + user, answer);
  const next = readCatalog(answer, 'server');
  if (catalogKey(next) !== catalogKey(catalog)) {
    await reopenClient();
    return true;
  }
  const shown = current ? current.name : null;
  const sameSchemas = JSON.stringify([...next.collections]) === JSON.stringify([...catalog.collections]);
  catalog = next;
  if (!sameSchemas) {
    renderCollectionPicker();
    selectCollection(shown && catalog.collections.has(shown) ? shown : storedCollection(user, catalog), false);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Client

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
        if (session === s) saveSession(s, () => session === s);
        return token;
      } catch (e) {
        // offline or refused: the stored token goes out; the server's answer tells the status
        console.warn('could not renew the token', e);
      }
    }
    return s.token;
  };
  const cat = await loadCatalog(s.username, tokenProvider);
  if (gen !== sessionGen) return;
  const c = await openSyncClient({
    user: s.username,
    tokenProvider,
    collections: clientCollections(cat),
    conflictHandler: () => 'leave-open',
    liveUpdates: true,
  });
  if (gen !== sessionGen) {
    // signed out (or another session started) while opening
    c.close().catch((e) => console.warn('close', e));
    return;
  }
  client = c;
  catalog = cat;
  expiring = false;
  manualSync = false;
  sawSyncing = false;
  run = null;
  appliedAutoSyncKey = null;
  let catalogChecked = cat.source === 'server';
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
  resetResult();
  renderCollectionPicker();
  selectCollection(storedCollection(s.username, cat), false);
  showApp();
  checkStorage();

  unsubscribers.push(c.subscribe(onStatus));
  let synced = false;
  unsubscribers.push(c.subscribe((status) => {
    if (status.state === 'syncing') synced = true;
    if (!catalogChecked && synced && status.state === 'idle' && c === client) {
      // the server answers again: ask it for its collections (again after the next sync if that fails)
      catalogChecked = true;
      synced = false;
      refreshCatalog(tokenProvider).then((ok) => {
        if (!ok) catalogChecked = false;
      }, (e) => {
        console.warn('refreshing the collections', e);
        catalogChecked = false;
      });
    }
  }));
  unsubscribers.push(c.onChange((change) => {
    if (!current) return;
    if (change.collection === current.name) refreshList();
    else if (referenceTargets().includes(change.collection)) refreshReferenced();
  }));
  refreshReferenced();
  refreshOps();
}

/** Stops the current client (the store with its queue stays) and forgets what it showed. */
function closeClient() {
  const c = client;
  sessionGen++;
  client = null;
  lastStatus = null;
  manualSync = false;
  run = null;
  for (const unsubscribe of unsubscribers.splice(0)) {
    try {
      unsubscribe();
    } catch (e) {
      console.warn('unsubscribe', e);
    }
  }
  if (c) closing = c.close().catch((e) => console.warn('close', e));
  return closing;
}

/** The server's collections changed: the same session on a client that syncs the new set. */
async function reopenClient() {
  const s = session;
  const pw = password;
  if (!s || starting) return;
  starting = true;
  closeClient();
  showBoot('The server\'s collections changed. Opening again…');
  try {
    await startClient(s, pw);
  } catch (e) {
    console.error('could not open the client', e);
    showSignIn(`This device's store could not be opened. ${describeError(e)}`, s.username);
  } finally {
    starting = false;
  }
}

/**
 * Closes the client, forgets the session (the store with its queue stays) and shows the sign-in view. The tab that
 * signs out deletes the session key too; `otherTab`: this tab follows a sign-out (or a sign-in) of another tab, whose
 * key is not this tab's to delete. `notice`: `{kind, title, text}` shown above the sign-in form.
 */
function signOut(message = '', { otherTab = false, notice = null } = {}) {
  const username = session ? session.username : '';
  const dialog = $('signout-dialog');
  if (dialog.open) dialog.close();
  closeClient();
  session = null;
  password = null;
  if (!otherTab) {
    clearSession();
    forgetSessionKey();
  }
  clearAppView();
  showSignIn(message, username, notice);
  return closing;
}

/** Sign out: a dialog that warns of changes not on the server yet and offers to erase this device's data. */
async function onSignOutClick() {
  const c = client;
  if (!c) return;
  let pending = 0;
  let stuck = 0;
  try {
    const [queued, failed, conflicted] = await Promise.all([c.pendingOps(), c.failedOps(), c.conflictedOps()]);
    pending = queued.length;
    stuck = failed.length + conflicted.length;
  } catch (e) {
    console.warn('could not count the unsent changes', e);
    const status = c.status();
    pending = status.pendingOps;
    stuck = status.failedOps + status.openConflicts;
  }
  if (c !== client) return;
  const user = session ? session.username : c.user;
  const unsent = pending + stuck;
  const parts = [];
  if (pending > 0) {
    parts.push(`${plural(pending, 'change')} made on this device ${pending === 1 ? 'has' : 'have'} not been sent `
      + 'to the server yet.');
  }
  if (stuck > 0) {
    parts.push(`${plural(stuck, 'change')} ${stuck === 1 ? 'waits' : 'wait'} for your decision (rejected or in `
      + 'conflict).');
  }
  const dialog = $('signout-dialog');
  $('signout-dialog-title').textContent = unsent > 0 ? `Sign out with ${plural(unsent, 'unsent change')}?`
    : `Sign out ${user}?`;
  $('signout-dialog-text').textContent = unsent > 0 ? parts.join(' ')
    : `Everything ${user} changed on this device has reached the server.`;
  $('signout-dialog-keep').textContent = unsent > 0
    ? `${unsent === 1 ? 'It stays' : 'They stay'} queued in this device's store for ${user} and `
      + `${unsent === 1 ? 'is' : 'are'} sent the next time ${user} signs in on this device. Other users signing in `
      + 'here do not see them.'
    : `${user}'s records stay on this device for the next sign-in, so that they can be used offline.`;
  show($('signout-dialog-send'), unsent > 0);
  $('signout-erase-label').textContent = `Also erase this device's local data for ${user}`;
  $('signout-erase-hint').textContent = unsent > 0
    ? `${plural(unsent, 'change')} not on the server will be lost, with ${user}'s records and settings in this browser.`
    : `${user}'s records and settings are removed from this browser; they are pulled again at the next sign-in.`;
  $('signout-erase').checked = false;
  dialog.dataset.pending = String(pending);
  dialog.dataset.unsent = String(unsent);
  showSignOutError('');
  renderSignOutChoice();
  dialog.showModal();
  $('signout-cancel').focus();
}

/** The dialog follows the erase box: what stays, and what the button does. */
function renderSignOutChoice() {
  const erase = $('signout-erase').checked;
  const unsent = Number($('signout-dialog').dataset.unsent || '0');
  const confirm = $('signout-confirm');
  $('signout-dialog').dataset.erase = String(erase);
  show($('signout-dialog-keep'), !erase);
  confirm.classList.toggle('danger', erase);
  confirm.classList.toggle('primary', !erase);
  setLabel(confirm, erase ? (unsent > 0 ? `Erase ${plural(unsent, 'change')} and sign out` : 'Erase and sign out')
    : (unsent > 0 ? 'Sign out anyway' : 'Sign out'));
}

function showSignOutError(message) {
  $('signout-error').textContent = message;
  show($('signout-error'), Boolean(message));
}

async function onSignOutConfirm() {
  if (!$('signout-erase').checked) {
    $('signout-dialog').close('confirm');
    signOut('');
    return;
  }
  const confirm = $('signout-confirm');
  const cancel = $('signout-cancel');
  const label = confirm.querySelector('.label').textContent;
  setButtonBusy(confirm, true, 'Erasing…');
  cancel.disabled = true;
  $('signout-erase').disabled = true;
  try {
    const erased = await signOutAndErase();
    if (!erased) return;
  } catch (e) {
    console.error('could not erase the local data', e);
    showSignOutError(`This device's data could not be erased, and you are still signed in. ${describeError(e)} `
      + 'Close the other tabs of this page and try again.');
  } finally {
    setButtonBusy(confirm, false, label);
    cancel.disabled = false;
    $('signout-erase').disabled = false;
  }
}

/**
 * Signs out and erases the user's store (records, queue, deviceId: `client.wipeLocalData()`) and what the page
 * keeps for the user. The session goes first, so that the other tabs sign out and close the store; when the store
 * cannot be erased the session comes back (the other tabs open again) and the error is thrown.
 */
async function signOutAndErase() {
  const c = client;
  const s = session;
  if (!c || !s) return false;
  const gen = sessionGen;
  clearSession();
  try {
    await c.wipeLocalData();
  } catch (e) {
    if (gen === sessionGen && session === s) await saveSession(s, () => session === s);
    throw e;
  }
  forgetUserSettings(s.username);
  if (session === s) {
    signOut('', { notice: { kind: 'erased', title: 'Signed out and erased',
      text: `This device's data for ${s.username} was erased from this browser.` } });
  }
  return true;
}

/** Empties everything the previous user's data was shown in (a shared device). */
function clearAppView() {
  stopEdit();
  current = null;
  catalog = null;
  recordsById.clear();
  referenced.clear();
  $('records').tHead.rows[0].replaceChildren();
  $('records').tBodies[0].replaceChildren();
  $('records').dataset.columns = '';
  $('form-fields').replaceChildren();
  $('collection').replaceChildren();
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
  clearTimeout(toastTimer);
  show($('toast'), false);
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
  const previous = lastStatus;
  lastStatus = status;
  if (status.state === 'syncing') sawSyncing = true;

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
      && (sawSyncing || status.lastAttemptAt !== openedAttemptAt)) {
    expireSession();
  }
}

/** The server refused this device for good (an administrator revoked it: 403 `device_revoked`). */
function isRevoked(status) {
  const e = status && status.lastError;
  return Boolean(status && (status.state === 'revoked'
    || (e && (e.kind === 'revoked' || e.code === 'device_revoked'))));
}

/**
 * A revoked device: its data is erased (`client.wipeLocalData()`, as the Java SDK does), the session ends, and the
 * sign-in view says what happened. Signing in again makes this browser a new device.
 */
async function deviceRevoked() {
  const c = client;
  const s = session;
  if (!c || !s || revoking) return;
  revoking = true;
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
    if (session !== s) return;
    signOut('', { notice: { kind: 'revoked', title: 'This device was revoked',
      text: `An administrator revoked this device, so the server no longer accepts it. ${erased
        ? `${s.username}'s data on it was erased, with any changes not sent.`
        : `${s.username}'s data on it could not be erased; close the other tabs of this page and sign in again.`} `
        + 'Signing in again makes this browser a new device.' } });
  } finally {
    revoking = false;
  }
}

/**
 * Follows the syncs of this tab through the status (the SDK tells no result for the syncs it starts itself: on
 * start, after a write, on the interval, a server poke or reconnecting): what the progress said was sent and
 * received, and how it ended. A Sync Now shows the SDK's full result instead.
 */
function trackRun(previous, status) {
  if (status.state === 'syncing') {
    if (!run) run = { startedAt: performance.now(), pushed: 0, pulled: 0, manual: manualSync };
    if (manualSync) run.manual = true;
    const p = status.progress;
    if (p && p.phase === 'push') run.pushed = Math.max(run.pushed, p.total);
    if (p && p.phase === 'pull') run.pulled = Math.max(run.pulled, p.done);
    return;
  }
  if (run) {
    const ended = run;
    run = null;
    if (!ended.manual && !manualSync) {
      renderResult({
        pushed: ended.pushed,
        pulled: ended.pulled,
        durationMs: performance.now() - ended.startedAt,
        error: status.state === 'idle' ? null : status.lastError || { kind: status.state, message: '' },
      }, 'auto');
    }
    return;
  }
  if (previous && status.lastSyncAt && previous.lastSyncAt !== status.lastSyncAt && !manualSync) {
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

function renderSyncButton() {
  const busy = manualSync || Boolean(lastStatus && lastStatus.state === 'syncing');
  const button = $('sync-now');
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  setLabel(button, busy ? 'Syncing…' : 'Sync now');
}

// ---------------------------------------------------------------------------------------------------------------
// The last result (Sync Now, and the syncs the SDK starts by itself)

const RESULT_FIELDS = ['pushed', 'applied', 'merged', 'conflicts', 'rejected', 'failed', 'pulled', 'durationMs'];

function resetResult() {
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
function renderResult(result, trigger, at = new Date().toISOString()) {
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
  renderWaiting(lastStatus ? lastStatus.pendingOps : 0);
  show(node, true);
}

function renderWaiting(pending) {
  const node = $('last-result-waiting');
  $('last-result').dataset.waiting = String(pending);
  node.textContent = pending > 0 ? `${plural(pending, 'change')} still waiting to be sent` : '';
  show(node, pending > 0);
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
    renderResult(result, 'manual');
    if (result.error && isRevoked({ lastError: result.error })) deviceRevoked();
    else if (result.error && result.error.kind === 'unauthorized') expireSession();
  } catch (e) {
    if (gen === sessionGen) reportError('The sync failed', e);
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
      errorNode.textContent = `Choose an interval between ${formatInterval(MIN_INTERVAL_SECONDS)} and `
        + `${formatInterval(MAX_INTERVAL_SECONDS)}.`;
      errorNode.title = e.message;
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
// Collections and their fields

function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/** A field or collection name for people: `doseMg` "Dose (mg)", `patientId` "Patient ID", `date_of_birth` "Date of birth". */
function readable(name) {
  const words = String(name).replace(/[_\-.]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return String(name);
  let suffix = '';
  if (words.length > 1) {
    const last = words[words.length - 1].toLowerCase();
    if (UNITS[last]) {
      suffix = ` (${UNITS[last]})`;
      words.pop();
    } else if (last === 'id' || last === 'ids') {
      words[words.length - 1] = last === 'id' ? 'ID' : 'IDs';
    }
  }
  const text = words.map((w, i) => {
    if (w.length > 1 && w === w.toUpperCase()) return w; // an acronym stays
    return i === 0 ? capitalize(w.toLowerCase()) : w.toLowerCase();
  }).join(' ');
  return text + suffix;
}

/** "dispenses" → "dispense": good enough for labels of collection names. */
function singular(word) {
  if (/ies$/.test(word)) return word.replace(/ies$/, 'y');
  if (/(sses|xes|ches|shes)$/.test(word)) return word.replace(/es$/, '');
  if (/[^s]s$/.test(word)) return word.slice(0, -1);
  return word;
}

/** What one record of a collection is called: the schema's title, else the singular of the collection's name. */
function recordNoun(name, schema) {
  const title = schema && typeof schema.title === 'string' && schema.title.trim();
  if (title) return title.charAt(0).toLowerCase() + title.slice(1);
  return singular(readable(name).toLowerCase());
}

/** A schema that can drive the form: an object schema with properties. */
function usableSchema(info) {
  const s = info && info.schema;
  return s && typeof s === 'object' && s.properties && typeof s.properties === 'object'
    && Object.keys(s.properties).length > 0 ? s : null;
}

function mainType(prop) {
  const t = prop.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x) => x !== 'null') || null;
  if (Array.isArray(prop.enum) && prop.enum.length) {
    const kinds = new Set(prop.enum.map((v) => (Number.isInteger(v) ? 'integer' : typeof v)));
    if (kinds.size === 1) return [...kinds][0];
  }
  return null;
}

const FORMAT_KINDS = { date: 'date', 'date-time': 'datetime', time: 'time', email: 'email', uri: 'url' };

/** A form field and list column of a schema property: `{name, label, kind, type, required, schema, ref, ...}`. */
function describeField(name, prop, required, ref, index) {
  const p = prop && typeof prop === 'object' ? prop : {};
  const type = mainType(p);
  let kind;
  let options = null;
  let itemType = null;
  if (ref && catalog && catalog.collections.has(ref)) {
    kind = 'reference';
  } else if (Array.isArray(p.enum) && p.enum.length > 0) {
    kind = 'enum';
    options = p.enum;
  } else if (p.const !== undefined) {
    kind = 'enum';
    options = [p.const];
  } else if (type === 'integer' || type === 'number') {
    kind = type;
  } else if (type === 'boolean') {
    kind = 'boolean';
  } else if (type === 'string') {
    kind = FORMAT_KINDS[p.format] || 'text';
  } else if (type === 'array' && p.items && typeof p.items === 'object'
      && ['string', 'number', 'integer'].includes(mainType(p.items)) && !Array.isArray(p.items.enum)) {
    kind = 'list';
    itemType = mainType(p.items);
  } else {
    kind = 'json';
  }
  return {
    name,
    id: /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) ? `field-${name}` : `field-${index}`,
    label: typeof p.title === 'string' && p.title.trim() ? p.title.trim() : readable(name),
    description: typeof p.description === 'string' ? p.description : '',
    kind,
    type,
    itemType,
    options,
    required,
    ref: kind === 'reference' ? ref : null,
    schema: p,
  };
}

function fieldsFromSchema(schema, info) {
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const references = (info && info.references) || {};
  return Object.entries(schema.properties)
    .map(([name, prop], i) => describeField(name, prop, required.has(name), references[name], i));
}

/** The fields of any collection of the catalog (null: no schema). */
function fieldsOf(name) {
  if (current && current.name === name && !current.loose) return current.fields;
  const info = catalog && catalog.collections.get(name);
  const schema = usableSchema(info);
  return schema ? fieldsFromSchema(schema, info) : null;
}

/** The fields that name a record in a list: the first plain text field, with the next one if it is one too. */
function nameFields(fields) {
  const i = fields.findIndex((f) => f.kind === 'text' || f.kind === 'loose-text');
  if (i < 0) return [];
  const next = fields[i + 1];
  return next && (next.kind === 'text' || next.kind === 'loose-text') && current && !current.loose
    ? [fields[i], next] : [fields[i]];
}

/** A short name for a record: "Ada Lovelace", "amoxicillin"; its id when nothing fits. */
function recordName(collection, record) {
  const data = (record && record.data) || {};
  const fields = fieldsOf(collection);
  let parts;
  if (fields) {
    parts = nameFields(fields).map((f) => data[f.name]).filter((v) => typeof v === 'string' && v.trim());
  } else {
    const first = Object.values(data).find((v) => typeof v === 'string' && v.trim());
    parts = first ? [first] : [];
  }
  return parts.length ? parts.join(' ') : record.id;
}

function writable() {
  return !current || !current.info || current.info.canWrite !== false;
}

function referenceTargets() {
  if (!current) return [];
  return [...new Set(current.fields.filter((f) => f.kind === 'reference').map((f) => f.ref))];
}

function renderCollectionPicker() {
  const select = $('collection');
  select.replaceChildren();
  if (!catalog) return;
  for (const [name, info] of catalog.collections) {
    const option = new Option(info ? readable(name) : `${readable(name)} (not declared)`, name);
    option.title = info ? (usableSchema(info) ? 'Declared, with a schema' : 'Declared, without a schema')
      : 'The server accepts this collection without declaring it';
    select.add(option);
  }
  show($('collection-field'), true);
}

/** Shows a collection of the catalog: its form, its columns, its records. `remember`: the user picked it. */
function selectCollection(name, remember = true) {
  if (!catalog || !catalog.collections.has(name)) return;
  const info = catalog.collections.get(name);
  const schema = usableSchema(info);
  if (remember && session) {
    try {
      localStorage.setItem(COLLECTION_KEY + session.username, name);
    } catch (e) {
      console.warn('could not keep the collection', e);
    }
  }
  stopEdit();
  if (!current || current.name !== name) {
    recordsById.clear();
    $('records').tBodies[0].replaceChildren();
    $('form-fields').replaceChildren(); // another collection's field of the same name has other rules
  }
  current = { name, info, schema, loose: !schema, fields: [] };
  current.fields = schema ? fieldsFromSchema(schema, info) : [];
  $('collection').value = name;
  $('records').dataset.collection = name;

  $('records-title').textContent = readable(name);
  const canWrite = writable();
  show($('record-form'), canWrite);
  show($('readonly-note'), !canWrite);
  $('collection-hint').textContent = schemaHint();
  renderFormFields();
  renderHeader();
  stopEdit();
  referenced.clear();
  refreshReferenced();
  refreshList();
}

function schemaHint() {
  if (!current.info) {
    return 'Not declared on the server: no schema, so the form shows the fields seen in the records and takes more '
      + 'as JSON.';
  }
  if (current.loose) return 'No schema on the server: the form shows the fields seen in the records and takes more as JSON.';
  const required = current.fields.filter((f) => f.required).length;
  return `Fields from the server's schema${required ? '; * marks the required ones' : ''}.`
    + (current.info.idMode === 'server' ? ' The server names new records.' : '');
}

/** Without a schema: every top-level field seen in the records (kinds from their values) becomes a field. */
function learnLooseFields(records) {
  if (!current || !current.loose) return false;
  const byName = new Map(current.fields.map((f) => [f.name, f]));
  let changed = false;
  for (const record of records) {
    for (const [name, value] of Object.entries(record.data || {})) {
      if (value === null || value === undefined) continue;
      const kind = typeof value === 'number' ? 'loose-number' : typeof value === 'boolean' ? 'loose-boolean'
        : typeof value === 'string' ? 'loose-text' : 'loose-json';
      const known = byName.get(name);
      if (!known) {
        const field = {
          name,
          id: /^[A-Za-z][A-Za-z0-9_-]*$/.test(name) ? `field-${name}` : `field-x${byName.size}`,
          label: readable(name), description: '', kind, type: null, required: false, ref: null, schema: {},
        };
        byName.set(name, field);
        current.fields.push(field);
        changed = true;
      } else if (known.kind !== kind && known.kind !== 'loose-json') {
        known.kind = 'loose-json';
        changed = true;
      }
    }
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------------------------
// The form

function fieldNodes() {
  return [...$('form-fields').querySelectorAll('.field[data-field]')];
}

function inputOf(field) {
  return $(field.id);
}

function placeholderOf(field) {
  const p = field.schema || {};
  if (Array.isArray(p.examples) && p.examples.length) return display(p.examples[0]);
  switch (field.kind) {
    case 'list':
      return 'Separate entries with commas';
    case 'json':
      return mainType(p) === 'array' ? '["…", "…"]' : '{"name": "value"}';
    case 'loose-json':
      return 'JSON or text';
    default:
      return field.required ? '' : 'Optional';
  }
}

function buildInput(field) {
  const p = field.schema || {};
  let input;
  switch (field.kind) {
    case 'enum': {
      input = document.createElement('select');
      input.add(new Option(field.required ? 'Choose…' : '—', ''));
      field.options.forEach((value, i) => input.add(new Option(display(value), String(i))));
      break;
    }
    case 'boolean':
    case 'loose-boolean':
      input = document.createElement('select');
      input.add(new Option(field.required ? 'Choose…' : '—', ''));
      input.add(new Option('yes', 'true'));
      input.add(new Option('no', 'false'));
      break;
    case 'reference':
      input = document.createElement('select');
      input.add(new Option('—', ''));
      break;
    case 'json':
    case 'loose-json':
      input = document.createElement('textarea');
      input.rows = 1;
      input.spellcheck = false;
      break;
    default:
      input = document.createElement('input');
      input.type = { number: 'number', integer: 'number', date: 'date', datetime: 'datetime-local', time: 'time',
        email: 'email', url: 'url' }[field.kind] || 'text';
      if (field.kind === 'number' || field.kind === 'integer') {
        input.step = field.kind === 'integer' ? '1' : 'any';
        input.inputMode = field.kind === 'integer' ? 'numeric' : 'decimal';
        if (typeof p.minimum === 'number') input.min = String(p.minimum);
        if (typeof p.maximum === 'number') input.max = String(p.maximum);
      }
      if (field.kind === 'datetime' || field.kind === 'time') input.step = '1';
      if (field.kind === 'loose-number') input.inputMode = 'decimal';
      if (Number.isInteger(p.maxLength) && ['text', 'email', 'url'].includes(field.kind)) {
        input.maxLength = p.maxLength;
      }
  }
  input.id = field.id;
  input.name = field.name;
  if (input.tagName !== 'SELECT') {
    const placeholder = placeholderOf(field);
    if (placeholder) input.placeholder = placeholder;
  }
  if (field.required) input.setAttribute('aria-required', 'true');
  if (field.description) input.title = field.description;
  return input;
}

function buildFieldNode(field) {
  const node = h('div', 'field');
  node.dataset.field = field.name;
  node.dataset.kind = field.kind;
  node.dataset.required = String(Boolean(field.required));
  const label = h('label', '', field.label);
  label.htmlFor = field.id;
  if (field.description) label.title = field.description;
  if (field.required) {
    label.append(' ', h('span', 'required', '*'));
    label.lastChild.setAttribute('aria-hidden', 'true');
  }
  node.append(label, buildInput(field));
  if (field.kind === 'datetime') node.append(h('p', 'field-hint', 'Your local time'));
  return node;
}

/** Brings the form's fields in line with the collection's (an input whose field did not change keeps its value). */
function renderFormFields() {
  const container = $('form-fields');
  const old = new Map(fieldNodes().map((node) => [node.dataset.field, node]));
  // a property the schema marks readOnly is the server's to set: listed, not in the form
  const nodes = current ? current.fields.filter((field) => field.schema.readOnly !== true).map((field) => {
    const existing = old.get(field.name);
    return existing && existing.dataset.kind === field.kind && inputOf(field) ? existing : buildFieldNode(field);
  }) : [];
  if (current && current.loose) {
    const extra = $('record-extra') ? $('record-extra').closest('.field') : buildExtraNode();
    nodes.push(extra);
  }
  nodes.forEach((node, i) => {
    if (container.children[i] !== node) container.insertBefore(node, container.children[i] || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
  container.dataset.fields = current ? current.fields.map((f) => f.name).join(',') : '';
  fillReferenceOptions();
}

/** Without a schema: any further fields as one JSON object. */
function buildExtraNode() {
  const node = h('div', 'field field-wide field-extra');
  const label = h('label', '', 'More fields (JSON)');
  label.htmlFor = 'record-extra';
  const input = document.createElement('textarea');
  input.id = 'record-extra';
  input.rows = 2;
  input.spellcheck = false;
  input.placeholder = '{"name": "value", "count": 2}';
  node.append(label, input, h('p', 'field-hint', 'A JSON object: its fields are added to the record.'));
  return node;
}

/** The reference pickers list the records of their collection on this device. */
function fillReferenceOptions() {
  if (!current) return;
  for (const field of current.fields) {
    if (field.kind !== 'reference') continue;
    const select = inputOf(field);
    if (!select) continue;
    const value = select.value;
    const records = [...(referenced.get(field.ref) || new Map()).values()]
      .map((r) => ({ id: r.id, name: recordName(field.ref, r) }))
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.id.localeCompare(b.id));
    const none = records.length ? (field.required ? 'Choose…' : '—')
      : `No ${readable(field.ref).toLowerCase()} on this device yet`;
    const options = [new Option(none, '')];
    for (const r of records) {
      const option = new Option(r.name === r.id ? r.id : `${r.name} · ${r.id.slice(0, 8)}`, r.id);
      option.title = r.id;
      options.push(option);
    }
    if (value && !records.some((r) => r.id === value)) options.push(new Option(`${value} (not on this device)`, value));
    select.replaceChildren(...options);
    select.value = value;
  }
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** An ISO timestamp as a datetime-local value in the device's time zone. */
function toLocalInput(iso) {
  const d = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
    + `:${pad(d.getSeconds())}`;
}

function setFieldValue(field, value) {
  const input = inputOf(field);
  if (!input) return;
  if (value === undefined || value === null) {
    input.value = '';
    return;
  }
  switch (field.kind) {
    case 'enum': {
      const i = field.options.findIndex((o) => compactJson(o) === compactJson(value));
      input.value = i >= 0 ? String(i) : '';
      break;
    }
    case 'boolean':
    case 'loose-boolean':
      input.value = typeof value === 'boolean' ? String(value) : '';
      break;
    case 'reference': {
      const id = String(value);
      if (![...input.options].some((o) => o.value === id)) input.add(new Option(`${id} (not on this device)`, id));
      input.value = id;
      break;
    }
    case 'datetime':
      input.value = toLocalInput(value);
      break;
    case 'number':
    case 'integer':
      input.value = typeof value === 'number' ? String(value) : '';
      break;
    case 'list':
      input.value = Array.isArray(value) ? value.map((v) => display(v)).join(', ') : display(value);
      break;
    case 'json':
    case 'loose-json':
      input.value = typeof value === 'string' && field.kind === 'loose-json' ? value : compactJson(value);
      break;
    default:
      input.value = typeof value === 'string' ? value : compactJson(value);
  }
}

/** A field's value from its input: `{value}` (undefined: empty) or `{error}` (a plain message). */
function readField(field) {
  const input = inputOf(field);
  if (!input) return { value: undefined };
  const raw = input.value;
  const text = raw.trim();
  switch (field.kind) {
    case 'number':
    case 'integer': {
      if (input.validity && input.validity.badInput) return { error: `must be ${TYPE_WORDS[field.kind]}` };
      if (text === '') return { value: undefined };
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: `must be ${TYPE_WORDS[field.kind]}` };
      if (field.kind === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
      return { value: n };
    }
    case 'enum':
      return { value: text === '' ? undefined : field.options[Number(text)] };
    case 'boolean':
    case 'loose-boolean':
      return { value: text === '' ? undefined : text === 'true' };
    case 'datetime': {
      if (text === '') return { value: undefined };
      const d = new Date(text); // a datetime-local value is the device's local time
      if (Number.isNaN(d.getTime())) return { error: 'must be a date and time' };
      return { value: d.toISOString().replace('.000Z', 'Z') };
    }
    case 'list': {
      if (text === '') return { value: undefined };
      const items = text.split(',').map((s) => s.trim()).filter(Boolean);
      if (field.itemType === 'number' || field.itemType === 'integer') {
        const numbers = items.map(Number);
        if (numbers.some((n) => !Number.isFinite(n) || (field.itemType === 'integer' && !Number.isInteger(n)))) {
          return { error: `must be a list of ${field.itemType === 'integer' ? 'whole numbers' : 'numbers'}` };
        }
        return { value: numbers };
      }
      return { value: items };
    }
    case 'json': {
      if (text === '') return { value: undefined };
      let value;
      try {
        value = JSON.parse(text);
      } catch {
        return { error: 'must be written as JSON, e.g. {"name": "value"} or ["a", "b"]' };
      }
      const type = mainType(field.schema || {});
      if (type === 'object' && (value === null || typeof value !== 'object' || Array.isArray(value))) {
        return { error: 'must be a group of fields, e.g. {"name": "value"}' };
      }
      if (type === 'array' && !Array.isArray(value)) return { error: 'must be a list, e.g. ["a", "b"]' };
      return { value };
    }
    case 'loose-number': {
      if (text === '') return { value: undefined };
      const n = Number(text);
      return { value: Number.isFinite(n) ? n : text };
    }
    case 'loose-json': {
      if (text === '') return { value: undefined };
      try {
        return { value: JSON.parse(text) };
      } catch {
        return { value: text };
      }
    }
    case 'reference':
    case 'date':
    case 'time':
    case 'email':
    case 'url':
    case 'text':
    case 'loose-text':
    default:
      return { value: text === '' ? undefined : raw.trim() };
  }
}

/** The schema's rules a value of the form can break, in plain words (null: fine). */
function checkValue(field, value) {
  if (value === undefined) return field.required ? 'is required' : null;
  const s = field.schema || {};
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) return `must be at least ${s.minimum}`;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) {
      return `must be more than ${s.exclusiveMinimum}`;
    }
    if (typeof s.maximum === 'number' && value > s.maximum) return `must be at most ${s.maximum}`;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) {
      return `must be less than ${s.exclusiveMaximum}`;
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (Number.isInteger(s.minLength) && length < s.minLength) return `must be at least ${s.minLength} characters long`;
    if (Number.isInteger(s.maxLength) && length > s.maxLength) return `must be at most ${s.maxLength} characters long`;
    if (typeof s.pattern === 'string') {
      let matches = true;
      try {
        matches = new RegExp(s.pattern, 'u').test(value);
      } catch {
        // a pattern this browser cannot read: the server checks it
      }
      if (!matches) return formatMessage(field);
    }
  }
  if (Array.isArray(value)) {
    if (Number.isInteger(s.minItems) && value.length < s.minItems) return `needs at least ${plural(s.minItems, 'entry', 'entries')}`;
    if (Number.isInteger(s.maxItems) && value.length > s.maxItems) return `may have at most ${plural(s.maxItems, 'entry', 'entries')}`;
    if (s.uniqueItems === true && new Set(value.map((v) => compactJson(v))).size !== value.length) {
      return 'lists the same entry twice';
    }
  }
  return null;
}

function formatMessage(field) {
  switch (field && field.kind) {
    case 'date':
      return 'must be a date (year-month-day)';
    case 'datetime':
      return 'must be a date and time';
    case 'time':
      return 'must be a time of day';
    default:
      return 'is not in the expected format';
  }
}

/**
 * The form as data: `{data, patch, errors}`. Creating: every field with a value. Editing: a merge patch of the
 * fields whose input the user changed (an emptied field is removed), so a value the form cannot show stays as it is.
 */
function readForm() {
  const errors = [];
  const data = {};
  const patch = {};
  for (const field of current.fields) {
    const input = inputOf(field);
    if (!input) continue;
    const changed = !editing || editing.inputs.get(field.name) !== input.value;
    const { value, error } = readField(field);
    if (editing && !changed) continue;
    const message = error || checkValue(field, value);
    if (message) {
      errors.push({ field, message });
      continue;
    }
    if (value !== undefined) data[field.name] = value;
    patch[field.name] = value === undefined ? null : value;
  }
  const extra = $('record-extra');
  if (current.loose && extra && extra.value.trim() && (!editing || editing.extra !== extra.value)) {
    let more;
    try {
      more = JSON.parse(extra.value);
    } catch {
      more = undefined;
    }
    if (!more || typeof more !== 'object' || Array.isArray(more)) {
      errors.push({ field: { name: '', id: 'record-extra', label: 'More fields (JSON)' },
        message: 'must be a JSON object, e.g. {"name": "value"}' });
    } else {
      Object.assign(data, more);
      Object.assign(patch, more);
    }
  }
  return { data, patch, errors };
}

function showRecordError(message, invalid = []) {
  $('record-error').textContent = message || '';
  show($('record-error'), Boolean(message));
  for (const node of $('form-fields').querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  for (const id of invalid) {
    const input = $(id);
    if (input) input.setAttribute('aria-invalid', 'true');
  }
}

/** A new record's defaults: a required date and time is now. */
function fillDefaults() {
  if (!current) return;
  for (const field of current.fields) {
    if (field.kind === 'datetime' && field.required) setFieldValue(field, new Date().toISOString());
  }
}

function startEdit(id) {
  const record = recordsById.get(id);
  if (!record || !writable()) return;
  const data = record.data || {};
  $('record-form').reset();
  for (const field of current.fields) setFieldValue(field, data[field.name]);
  const inputs = new Map();
  for (const field of current.fields) {
    const input = inputOf(field);
    if (input) inputs.set(field.name, input.value);
  }
  const extra = $('record-extra');
  editing = { id, original: { ...data }, inputs, extra: extra ? extra.value : '' };
  $('record-id').value = id;
  const form = $('record-form');
  form.dataset.mode = 'edit';
  $('form-title').textContent = `Editing ${recordName(current.name, record)}`;
  setLabel($('save-record'), 'Save changes');
  show($('cancel-edit'), true);
  showRecordError('');
  for (const tr of $('records').tBodies[0].rows) tr.classList.toggle('editing', tr.dataset.id === id);
  form.scrollIntoView({ block: 'nearest' });
  const first = current.fields.map(inputOf).find(Boolean);
  if (first) first.focus();
}

function stopEdit() {
  editing = null;
  const form = $('record-form');
  form.reset();
  $('record-id').value = '';
  form.dataset.mode = 'create';
  const noun = current ? recordNoun(current.name, current.schema) : 'record';
  $('form-title').textContent = `New ${noun}`;
  setLabel($('save-record'), `Add ${noun}`);
  show($('cancel-edit'), false);
  showRecordError('');
  fillDefaults();
  for (const tr of $('records').tBodies[0].rows) tr.classList.remove('editing');
}

async function onRecordSubmit(event) {
  event.preventDefault();
  const c = client;
  if (!c || !current || !writable()) return;
  const shown = current;
  const { data, patch, errors } = readForm();
  if (errors.length) {
    showRecordError(errors.map((e) => `${e.field.label}: ${e.message}`).join('\n'), errors.map((e) => e.field.id));
    const first = $(errors[0].field.id);
    if (first) first.focus();
    return;
  }
  showRecordError('');
  const button = $('save-record');
  if (button.disabled) return;
  const wasEditing = editing;
  const noun = recordNoun(shown.name, shown.schema);
  setButtonBusy(button, true, wasEditing ? 'Saving…' : 'Adding…');
  try {
    const records = c.records(shown.name);
    if (wasEditing) {
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
      if (Object.keys(data).length === 0) {
        showRecordError('Fill in at least one field.');
        return;
      }
      const serverIds = shown.info && shown.info.idMode === 'server';
      await records.create(serverIds ? null : `${singular(shown.name).slice(0, 12)}-${uuid()}`, data);
      if (c !== client) return;
      $('record-form').reset();
      $('record-id').value = '';
      fillDefaults();
      const first = shown.fields.map(inputOf).find(Boolean);
      if (first) first.focus();
      toast(`${capitalize(noun)} added${offlineNote()}`);
    }
  } catch (e) {
    if (c === client) reportError(wasEditing ? 'Could not save the changes' : `Could not add the ${noun}`, e);
  } finally {
    setButtonBusy(button, false, '');
    setLabel(button, editing ? 'Save changes' : `Add ${recordNoun(current ? current.name : shown.name,
      current ? current.schema : shown.schema)}`);
    if (c === client) {
      refreshList();
      refreshOps();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Records

const refreshList = coalesce(async () => {
  const c = client;
  const shown = current;
  if (!c || !shown) return;
  const gen = sessionGen;
  const [records, queued] = await Promise.all([c.records(shown.name).list(), c.pendingOps()]);
  if (gen !== sessionGen || shown !== current) return;
  // the newest unsent change of each record, for the order of records without a date field
  const changedAt = new Map();
  for (const op of queued) {
    if (op.collection !== shown.name) continue;
    const at = op.clientTimestamp || '';
    if (!changedAt.has(op.id) || changedAt.get(op.id) < at) changedAt.set(op.id, at);
  }
  if (learnLooseFields(records)) {
    renderFormFields();
    renderHeader();
  }
  renderRecords(sortRecords(records, changedAt));
}, 'Could not load the records');

const refreshReferenced = coalesce(async () => {
  const c = client;
  const shown = current;
  if (!c || !shown) return;
  const gen = sessionGen;
  const targets = referenceTargets();
  const lists = await Promise.all(targets.map((t) => c.records(t).list()));
  if (gen !== sessionGen || shown !== current) return;
  referenced.clear();
  targets.forEach((t, i) => referenced.set(t, new Map(lists[i].map((r) => [r.id, r]))));
  fillReferenceOptions();
  if (targets.length) refreshList();
}, 'Could not load the referenced records');

/** The date-time field records are ordered by, newest first (the required one first), or null. */
function orderField() {
  const dates = current.fields.filter((f) => f.kind === 'datetime');
  return dates.find((f) => f.required) || dates[0] || null;
}

/**
 * Newest first by the collection's date-time field when it has one; otherwise records with unsent changes first
 * (newest change first), then by name. The SDK keeps no server timestamps per record.
 */
function sortRecords(records, changedAt) {
  const by = orderField();
  const names = new Map(records.map((r) => [r.id, recordName(current.name, r)]));
  const byName = (a, b) => names.get(a.id).localeCompare(names.get(b.id), undefined, { numeric: true })
    || a.id.localeCompare(b.id);
  let note;
  let sorted;
  if (by) {
    const time = (r) => {
      const t = Date.parse(r.data ? r.data[by.name] : '');
      return Number.isNaN(t) ? -Infinity : t;
    };
    sorted = [...records].sort((a, b) => time(b) - time(a) || byName(a, b));
    note = `Newest first, by ${by.label}.`;
  } else {
    const at = (r) => changedAt.get(r.id) || '';
    sorted = [...records].sort((a, b) => {
      const pa = at(a);
      const pb = at(b);
      if (pa !== pb) return pa < pb ? 1 : -1; // '' (nothing unsent) sorts last
      return byName(a, b);
    });
    const named = nameFields(current.fields)[0];
    note = `Not synced yet first (newest change first), then A–Z by ${named ? named.label : 'record ID'}.`;
  }
  $('records-order').textContent = note;
  return sorted;
}

function columns() {
  return current ? current.fields : [];
}

/** The table's head follows the fields; rows are rebuilt when the columns change. */
function renderHeader() {
  const table = $('records');
  const cols = columns();
  const key = `${current ? current.name : ''}|${writable()}|${cols.map((f) => `${f.name}:${f.kind}:${f.label}`).join(',')}`;
  if (table.dataset.columns === key) return;
  table.dataset.columns = key;
  const row = table.tHead.rows[0];
  const cells = cols.map((f) => {
    const th = h('th', f.kind === 'number' || f.kind === 'integer' ? 'num' : '', f.label);
    th.scope = 'col';
    th.dataset.field = f.name;
    if (f.description) th.title = f.description;
    return th;
  });
  const version = h('th', 'num', 'Version');
  version.title = 'The server version of the record; "not synced yet" until the server has confirmed it';
  const status = h('th', '', 'Status');
  status.title = 'pending: changed on this device, not on the server yet';
  cells.unshift(status); // first: a wide table scrolls, the sync state stays in sight
  cells.push(version);
  if (writable()) {
    const actions = h('th', 'c-actions');
    actions.append(h('span', 'sr-only', 'Actions'));
    cells.push(actions);
  }
  for (const th of cells) if (!th.scope) th.scope = 'col';
  row.replaceChildren(...cells);
  table.tBodies[0].replaceChildren();
}

function createRow() {
  const tr = document.createElement('tr');
  const state = h('td', 'c-status');
  state.dataset.label = 'Status';
  tr.append(state);
  columns().forEach((f, i) => {
    const td = h('td', `c-field${i === 0 ? ' c-first' : ''}${f.kind === 'number' || f.kind === 'integer' ? ' num' : ''}`);
    td.dataset.field = f.name;
    td.dataset.label = f.label;
    tr.append(td);
  });
  const version = h('td', 'c-version num');
  version.dataset.label = 'Version';
  tr.append(version);
  if (writable()) {
    const actions = h('td', 'c-actions');
    const edit = h('button', 'btn small edit', 'Edit');
    edit.type = 'button';
    const del = h('button', 'btn small danger-outline delete', 'Delete');
    del.type = 'button';
    actions.append(edit, del);
    tr.append(actions);
  }
  return tr;
}

/** A value in a list cell: `{text, title}`. */
function cellText(field, value) {
  if (value === undefined || value === null) return { text: '', title: '' };
  if (field.kind === 'reference') {
    const record = (referenced.get(field.ref) || new Map()).get(String(value));
    const text = record ? recordName(field.ref, record) : String(value);
    return { text, title: `${readable(field.ref)} record ${value}` };
  }
  if (field.kind === 'datetime' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
    return { text: formatTime(value), title: value };
  }
  const text = display(value);
  const full = typeof value === 'object' ? compactJson(value) : text;
  return { text, title: full };
}

function updateRow(tr, record) {
  tr.dataset.id = record.id;
  tr.dataset.pending = String(Boolean(record.pending));
  tr.dataset.version = String(record.version);
  const data = record.data || {};
  const cols = columns();
  [...tr.querySelectorAll('td.c-field')].forEach((td, i) => {
    const { text, title } = cellText(cols[i], data[cols[i].name]);
    if (td.textContent !== text) td.textContent = text;
    td.title = title;
  });
  const version = tr.querySelector('.c-version');
  const confirmed = record.version > 0;
  const versionText = confirmed ? String(record.version) : 'not synced yet';
  if (version.textContent !== versionText) version.textContent = versionText;
  version.classList.toggle('not-synced', !confirmed);
  version.title = confirmed ? `Server version ${record.version}` : 'The server has not confirmed this record yet';

  const state = tr.querySelector('.c-status');
  const wanted = record.pending ? 'pending' : 'synced';
  if (state.dataset.shows !== wanted) {
    state.dataset.shows = wanted;
    state.replaceChildren(record.pending
      ? h('span', 'pill pending', 'pending')
      : h('span', 'synced-mark', 'synced'));
    state.title = record.pending ? 'Changed on this device; not on the server yet' : 'As on the server';
  }
  const name = recordName(current.name, record);
  const edit = tr.querySelector('.edit');
  if (edit) {
    edit.setAttribute('aria-label', `Edit ${name}`);
    tr.querySelector('.delete').setAttribute('aria-label', `Delete ${name}`);
  }
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
  const empty = $('records-empty');
  empty.textContent = `No ${readable(current.name).toLowerCase()} on this device yet.`
    + (writable() ? ' Add the first one above.' : '');
  show(empty, records.length === 0);
  show($('records-order'), records.length > 0);
  show($('records').closest('.table-wrap'), records.length > 0);

  if (editing && !recordsById.has(editing.id)) {
    stopEdit();
    toast(`The ${recordNoun(current.name, current.schema)} being edited was deleted`, 'error');
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
  const shown = current;
  if (!c || !shown) return;
  const noun = recordNoun(shown.name, shown.schema);
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await c.records(shown.name).delete(id);
    if (c !== client) return;
    if (editing && editing.id === id) stopEdit();
    toast(`${capitalize(noun)} deleted${offlineNote()}`);
  } catch (e) {
    if (c === client) reportError(`Could not delete the ${noun}`, e);
  } finally {
    button.disabled = false;
    button.setAttribute('aria-busy', 'false');
    if (c === client) {
      refreshList();
      refreshOps();
    }
  }
}

function onCollectionChange() {
  const name = $('collection').value;
  if (!current || name === current.name) return;
  if (editing) toast('The unsaved edit was left');
  selectCollection(name, true);
}

// ---------------------------------------------------------------------------------------------------------------
// Field errors of the server in plain words

/** The label of a field path (`doseMg`, `items[2].sku`) of a collection. */
function fieldLabel(collection, path) {
  const match = /^([^.[\]]+)(.*)$/.exec(path || '');
  if (!match) return '';
  const fields = fieldsOf(collection);
  const field = fields && fields.find((f) => f.name === match[1]);
  const label = field ? field.label : readable(match[1]);
  const rest = match[2].replace(/^\./, '');
  if (!rest) return label;
  const parts = rest.split(/\.|(?=\[)/).filter(Boolean)
    .map((p) => (/^\[(\d+)\]$/.test(p) ? `entry ${Number(p.slice(1, -1)) + 1}` : readable(p)));
  return `${label} (${parts.join(', ')})`;
}

function typeWords(list) {
  const words = list.replace(/[[\]"]/g, '').split(/\s*,\s*/).filter(Boolean).map((t) => TYPE_WORDS[t] || t);
  return words.join(' or ');
}

/** One message of the server's validator (networknt JSON Schema texts, reference checks) in plain words. */
function plainFieldMessage(collection, fieldError) {
  const label = fieldLabel(collection, fieldError.field);
  const raw = String(fieldError.message || '').trim();
  const text = raw.replace(/^\$[^\s:]*:\s*/, ''); // "$.doseMg: must …" → "must …"
  const fields = fieldsOf(collection);
  const field = fields && fields.find((f) => f.name === String(fieldError.field || '').split(/[.[]/)[0]);
  const collectionNoun = recordNoun(collection, catalog && usableSchema(catalog.collections.get(collection)));
  const rules = [
    [/^required property '(.+)' not found$/, (m) => `${fieldLabel(collection, fieldError.field || m[1])}: is required`],
    [/^must have a minimum value of (.+)$/, (m) => `${label}: must be at least ${m[1]}`],
    [/^must have an exclusive minimum value of (.+)$/, (m) => `${label}: must be more than ${m[1]}`],
    [/^must have a maximum value of (.+)$/, (m) => `${label}: must be at most ${m[1]}`],
    [/^must have an exclusive maximum value of (.+)$/, (m) => `${label}: must be less than ${m[1]}`],
    [/^must be at least (\d+) characters long$/, (m) => `${label}: must be at least ${m[1]} characters long`],
    [/^must be at most (\d+) characters long$/, (m) => `${label}: must be at most ${m[1]} characters long`],
    [/^(\w+) found, (.+) expected$/, (m) => `${label}: must be ${typeWords(m[2])}`],
    [/^does not have a value in the enumeration \[(.*)\]$/, (m) => `${label}: must be one of ${m[1].split(/\s*,\s*/).join(', ')}`],
    [/^must be the constant value '(.*)'$/, (m) => `${label}: must be ${m[1]}`],
    [/^does not match the (regex )?pattern/, () => `${label}: ${formatMessage(field)}`],
    [/^does not match the .* pattern/, () => `${label}: ${formatMessage(field)}`],
    [/^property '(.+)' is not defined in the schema/, (m) => `“${m[1]}” is not a field of a ${collectionNoun}; remove it`],
    [/^must have at most (\d+) items/, (m) => `${label}: may have at most ${plural(Number(m[1]), 'entry', 'entries')}`],
    [/^must have at least (\d+) items/, (m) => `${label}: needs at least ${plural(Number(m[1]), 'entry', 'entries')}`],
    [/^must have only unique items/, () => `${label}: lists the same entry twice`],
    [/^must be multiple of (.+)$/, (m) => `${label}: must be a multiple of ${m[1]}`],
    [/^no record (.*) in collection (.+)$/, (m) => `${label}: there is no ${singular(readable(m[2]).toLowerCase())} `
      + `“${m[1].replace(/^"|"$/g, '')}” (deleted, or not on the server yet)`],
    [/^is required$/, () => `${label || 'The record'}: is required`],
    [/^is (\d+) bytes; the limit is (\d+)/, (m) => `The record is too large (${m[1]} bytes; at most ${m[2]})`],
  ];
  for (const [pattern, sentence] of rules) {
    const m = pattern.exec(text);
    if (m) return sentence(m);
  }
  return label ? `${label}: is not valid` : 'The record is not valid';
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

const OP_WORDS = { create: 'new', update: 'change', delete: 'deletion' };

function opHead(op) {
  const head = h('div', 'op-head');
  const type = h('span', `op-type op-${op.type}`, op.type);
  type.title = `A ${OP_WORDS[op.type] || op.type} of a ${recordNoun(op.collection, usableSchema(catalog
    && catalog.collections.get(op.collection)))}`;
  const id = h('span', 'record-id', op.id);
  id.title = `Record ${op.id} of ${readable(op.collection)}`;
  head.append(type, h('span', 'op-collection', readable(op.collection)), id);
  return head;
}

function buildConflictItem(op) {
  const conflict = op.conflict || {};
  const li = h('li', 'op-item conflict-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  if (conflict.conflictId) li.dataset.conflictId = conflict.conflictId;

  const head = opHead(op);
  if (conflict.serverVersion !== undefined) {
    head.append(h('span', 'op-meta', `server v${conflict.serverVersion} · yours on v${op.baseVersion}`));
  }
  li.append(head);

  const fields = Array.isArray(conflict.fields) && conflict.fields.length
    ? conflict.fields.map((f) => fieldLabel(op.collection, f)).join(', ') : 'whole record';
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
  li.append(opHead(op));

  li.append(h('p', 'op-error', REJECTION_TEXT[error.code] || 'The server refused this change.'));
  const fieldErrors = Array.isArray(error.fields) ? error.fields : [];
  if (fieldErrors.length) {
    const list = h('ul', 'field-errors');
    for (const f of fieldErrors) {
      const item = h('li', '', plainFieldMessage(op.collection, f));
      item.dataset.field = f.field || '';
      list.append(item);
    }
    li.append(list);
  }
  const tech = [`code: ${error.code || 'failed'}`];
  if (error.message) tech.push(`message: ${error.message}`);
  for (const f of fieldErrors) tech.push(`${f.field || '(record)'}: ${f.message}`);
  if (op.data) tech.push(`change: ${compactJson(op.data)}`);
  li.append(detailsBox(tech.join('\n')));

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
  li.title = `${opTitle(op)} in ${op.collection} on version ${op.baseVersion}, written ${formatTime(op.clientTimestamp)}`;
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
// Offline for days: persistent storage and the service worker (docs/offline-browser.md)

const STORAGE_TEXT = {
  true: ['Storage: persistent', 'The browser keeps this device\'s records and queue until they are erased here.'],
  false: ['Storage: may be cleared by the browser', 'The browser may delete this device\'s records and unsent '
    + 'changes when disk space runs low or the site is unused for long. Installing or bookmarking the page can '
    + 'make it persistent.'],
  unknown: ['Storage: the browser does not say whether it keeps this data', 'This browser has no StorageManager.'],
};

/**
 * Asks the browser to keep this origin's storage (IndexedDB with the records and the queue) instead of clearing it
 * under storage pressure, and shows its answer. Chromium answers by itself (engagement, an installed app, a
 * bookmark), Firefox asks the user once; asked again on every start, since the answer can change.
 */
async function checkStorage() {
  let persisted = null;
  try {
    if (navigator.storage && typeof navigator.storage.persisted === 'function') {
      persisted = await navigator.storage.persisted();
      if (!persisted && typeof navigator.storage.persist === 'function') persisted = await navigator.storage.persist();
    }
  } catch (e) {
    console.warn('could not ask for persistent storage', e);
    persisted = null;
  }
  const key = persisted === null ? 'unknown' : String(Boolean(persisted));
  const node = $('storage-persist');
  node.textContent = STORAGE_TEXT[key][0];
  node.title = STORAGE_TEXT[key][1];
  $('storage').dataset.persisted = key;
  show($('storage'), true);
}

/** True once the service worker has every file this page loaded in its cache. */
let offlineReady = false;

/** Shows whether the page opens without the server: a service worker controls it and holds the page's files. */
function renderOffline() {
  const ready = offlineReady && Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
  $('storage').dataset.offline = String(ready);
  $('storage-offline').textContent = ready ? 'Opens offline' : '';
  show($('storage-offline'), ready);
  $('storage-offline').title = ready ? 'This page is kept on the device and opens while the server cannot be '
    + 'reached.' : '';
}

/** The page's own files and the SDK's modules this page loaded (the whole module graph, whatever it imports). */
function loadedFiles() {
  const files = [location.origin + location.pathname];
  for (const entry of performance.getEntriesByType('resource')) {
    const url = new URL(entry.name);
    if (url.origin === location.origin && /^\/(app|sdk)\//.test(url.pathname)) files.push(url.origin + url.pathname);
  }
  return [...new Set(files)];
}

/** Asks the active worker to keep `files`; its answer `{kept, failed}`. */
function keepFiles(worker, files) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data || { kept: 0, failed: ['no answer'] });
    worker.postMessage({ type: 'keep', urls: files }, [channel.port2]);
  });
}

/**
 * sw.js (scope /app/) keeps the page's files and the SDK's modules, never an /api/ answer. Once it is active, it is
 * told every file this page loaded, and the page says "opens offline" when they are all kept.
 */
async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const files = loadedFiles();
  const keep = async () => {
    const registration = await navigator.serviceWorker.ready;
    const answer = await keepFiles(registration.active, files);
    if (answer.failed && answer.failed.length) console.warn('not kept for offline use:', answer.failed);
    offlineReady = !(answer.failed && answer.failed.length);
    renderOffline();
  };
  // a new worker (a new version of the page) starts with an empty cache: tell it too
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    renderOffline();
    keep().catch((e) => console.warn('the page may not open offline', e));
  });
  renderOffline();
  try {
    await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
    await keep();
  } catch (e) {
    console.warn('the page will not open offline: its service worker could not be registered', e);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring and start

/** Increments on every storage event: the answer of an older one (opening the sealed token takes a while) is dropped. */
let storageEvents = 0;

/** Another tab signed in, out, or renewed the token. */
async function onStorage(event) {
  if (event.storageArea !== localStorage || (event.key !== SESSION_KEY && event.key !== null)) return;
  const seen = ++storageEvents;
  const username = storedUsername();
  if (client && session) {
    if (!username) {
      signOut('You signed out in another tab.', { otherTab: true });
    } else if (username !== session.username) {
      signOut(`${username} signed in in another tab.`, { otherTab: true });
    } else {
      const stored = await loadSession(); // renewed in another tab
      if (seen === storageEvents && stored && session && stored.username === session.username) {
        session.token = stored.token;
      }
    }
  } else if (!client && !starting && username) {
    starting = true;
    let stored = null;
    try {
      stored = await loadSession();
      if (seen !== storageEvents || client || !stored) return;
      showBoot('Opening…');
      await startClient(stored);
    } catch (e) {
      showSignIn(`This device's store could not be opened. ${describeError(e)}`, username);
    } finally {
      starting = false;
    }
  }
}

function wire() {
  $('signin-form').addEventListener('submit', guarded('Signing in failed', onSignInSubmit));
  $('signout').addEventListener('click', guarded('Signing out failed', onSignOutClick));
  $('signout-cancel').addEventListener('click', () => $('signout-dialog').close('cancel'));
  $('signout-confirm').addEventListener('click', guarded('Signing out failed', onSignOutConfirm));
  $('signout-erase').addEventListener('change', () => renderSignOutChoice());
  $('signout-dialog').addEventListener('cancel', (event) => {
    if ($('signout-confirm').getAttribute('aria-busy') === 'true') event.preventDefault(); // erasing: wait for it
  });
  $('sync-now').addEventListener('click', guarded('The sync failed', onSyncNow));
  $('auto-sync').addEventListener('change', guarded('Could not change automatic sync', onAutoSyncChange));
  $('interval').addEventListener('change', guarded('Could not change automatic sync', onAutoSyncChange));
  $('collection').addEventListener('change', guarded('Could not show the collection', onCollectionChange));
  $('record-form').addEventListener('submit', guarded('Could not save the record', onRecordSubmit));
  $('cancel-edit').addEventListener('click', () => stopEdit());
  $('records').addEventListener('click', guarded('That did not work', onRecordsClick));
  $('conflict-list').addEventListener('click', guarded('Could not resolve the conflict', onConflictClick));
  $('failed-list').addEventListener('click', guarded('That did not work', onFailedClick));
  $('app-error-dismiss').addEventListener('click', () => clearAppError());
  $('toast').addEventListener('click', () => show($('toast'), false));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && editing && !$('signout-dialog').open) stopEdit();
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
  registerServiceWorker();
  starting = true;
  let stored = null;
  try {
    stored = await loadSession();
  } catch (e) {
    console.warn('could not read the stored session', e);
  }
  if (!stored) {
    starting = false;
    showSignIn('', storedUsername() || '');
    return;
  }
  showBoot('Opening…');
  try {
    await startClient(stored);
  } catch (e) {
    console.error('could not open the client', e);
    showSignIn(`This device's store could not be opened. ${describeError(e)}`, stored.username);
  } finally {
    starting = false;
  }
}

boot();
