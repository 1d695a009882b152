// Sync Control: offline for days: persistent storage and the service worker (docs/offline-browser.md).
import { state } from './state.js';
import { $ } from './constants.js';
import { show } from './helpers.js';

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
export async function checkStorage() {
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


/** Shows whether the page opens without the server: a service worker controls it and holds the page's files. */
function renderOffline() {
  const ready = state.offlineReady && Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
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
export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  const files = loadedFiles();
  const keep = async () => {
    const registration = await navigator.serviceWorker.ready;
    const answer = await keepFiles(registration.active, files);
    if (answer.failed && answer.failed.length) console.warn('not kept for offline use:', answer.failed);
    state.offlineReady = !(answer.failed && answer.failed.length);
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
