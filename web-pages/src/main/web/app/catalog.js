// Sync Control: collections: GET /api/v1/collections, kept per user for offline starts.
import { state } from './state.js';
import { reopenClient } from './client.js';
import {
  CATALOG_KEY,
  CATALOG_TIMEOUT_MS,
  COLLECTION_KEY,
  DEFAULT_COLLECTION,
  STORED_CATALOG_WAIT_MS,
} from './constants.js';
import { renderCollectionPicker, selectCollection } from './fields.js';
import { readStored, writeStored } from './session.js';

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
export async function loadCatalog(user, tokenProvider) {
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
export function clientCollections(cat) {
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

export function storedCollection(user, cat) {
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
export async function refreshCatalog(tokenProvider) {
  const c = state.client;
  const gen = state.sessionGen;
  const user = state.session && state.session.username;
  let answer;
  try {
    answer = await fetchCollections(tokenProvider);
  } catch (e) {
    console.warn('the collections are still the stored ones', e);
    return false;
  }
  if (gen !== state.sessionGen || c !== state.client || !user) return true;
  writeStored(CATALOG_KEY + user, answer);
  const next = readCatalog(answer, 'server');
  if (catalogKey(next) !== catalogKey(state.catalog)) {
    await reopenClient();
    return true;
  }
  const shown = state.current ? state.current.name : null;
  const sameSchemas = JSON.stringify([...next.collections]) === JSON.stringify([...state.catalog.collections]);
  state.catalog = next;
  if (!sameSchemas) {
    renderCollectionPicker();
    selectCollection(shown && state.catalog.collections.has(shown) ? shown : storedCollection(user, state.catalog), false);
  }
  return true;
}
