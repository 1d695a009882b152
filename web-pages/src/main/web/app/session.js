// Sync Control: session.
import { CATALOG_KEY, COLLECTION_KEY, SESSION_KEY } from './constants.js';

export function readStored(key) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : null;
  } catch (e) {
    console.warn(`ignoring an unreadable ${key}`, e);
    return null;
  }
}

export function writeStored(key, value) {
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
export async function forgetSessionKey() {
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
export function storedUsername() {
  const s = readStored(SESSION_KEY);
  return s && typeof s.username === 'string' && s.username ? s.username : null;
}

/** The stored session `{username, token}`, or null. */
export async function loadSession() {
  const s = readStored(SESSION_KEY);
  if (!s || typeof s.username !== 'string' || !s.username) return null;
  if (typeof s.token === 'string' && s.token) {
    // kept in plain form by an earlier version of the page: sealed now, and the plain copy is gone
    const upgraded = { username: s.username, token: s.token };
    await saveSession(upgraded);
    return upgraded;
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
export async function saveSession(s, stillCurrent = () => true) {
  if (canSeal()) {
    try {
      const sealed = await seal(s.username, s.token);
      if (!stillCurrent()) return;
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

export function clearSession() {
  writeTabToken(null);
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch (e) {
    console.warn('could not remove the session', e);
  }
}

/** What the page keeps for a user besides the session: the collection picked and the server's collections. */
export function forgetUserSettings(username) {
  for (const key of [COLLECTION_KEY + username, CATALOG_KEY + username]) {
    try {
      localStorage.removeItem(key);
    } catch (e) {
      console.warn(`could not remove ${key}`, e);
    }
  }
}
