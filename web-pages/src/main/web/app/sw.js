// The Sync Control page's service worker (scope /app/): keeps the page's own files and the browser SDK's modules in
// a cache, so that the page opens while the server cannot be reached and shows the records this device holds in
// IndexedDB. Network first: a reachable server always serves the current files (the page and the SDK stay the
// server's version); the cache answers only when the network fails or does not answer within NETWORK_TIMEOUT_MS.
// Requests under /api/ are never cached, nor even seen here (they go straight to the network). docs/offline-browser.md.

/** Raise it when the caching changes: a new worker installs, and activate deletes the older caches. */
const VERSION = 2;
const CACHE_PREFIX = 'outpost-app-';
const CACHE = `${CACHE_PREFIX}v${VERSION}`;

/**
 * Cached on install, all or nothing: the page's own files (app.js and the modules it imports) and the SDK's entry module. The modules the SDK imports
 * (/sdk/internal/*.js, /sdk/vendor/…) are the SDK's business and change with it, so they are not listed here: the
 * page tells the worker every file it loaded (a 'keep' message, below), and every answer the worker fetches later is
 * kept too.
 */
const FILES = [
  '/app/',
  '/app/index.html',
  '/app/app.js',
  '/app/state.js',
  '/app/constants.js',
  '/app/helpers.js',
  '/app/messages.js',
  '/app/session.js',
  '/app/views.js',
  '/app/catalog.js',
  '/app/client.js',
  '/app/status.js',
  '/app/result.js',
  '/app/auto-sync.js',
  '/app/fields.js',
  '/app/form.js',
  '/app/records.js',
  '/app/field-errors.js',
  '/app/queue.js',
  '/app/offline.js',
  '/app/app.css',
  '/sdk/outpost-sync.js',
];

/** A server that takes longer than this (a silent network) is treated as unreachable; the fresh copy still lands. */
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  // /api/ bypasses this worker entirely where the browser has static routing (Chromium 123+): no fetch event at all
  if (event.addRoutes && typeof URLPattern === 'function') {
    event.waitUntil(event.addRoutes({ condition: { urlPattern: new URLPattern({ pathname: '/api/*' }) },
      source: 'network' }).catch((e) => console.warn('static routing not available', e)));
  }
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(FILES.map((url) => new Request(url, { cache: 'no-cache' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

/** The page's files and the SDK's modules; never the API, nor the SDK's test pages (browser-tests serves them). */
function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  const path = url.pathname;
  if (path.startsWith('/api/') || path.startsWith('/sdk/tests/') || path === '/app/sw.js') return false;
  return path.startsWith('/app/') || path.startsWith('/sdk/');
}

/**
 * `{type: 'keep', urls}` from the page: the files it loaded (its own and the SDK's whole module graph), cached when
 * missing. Answers `{kept, failed}` on the message's port once they are in the cache.
 */
self.addEventListener('message', (event) => {
  const message = event.data;
  if (!message || message.type !== 'keep' || !Array.isArray(message.urls)) return;
  const port = event.ports && event.ports[0];
  event.waitUntil(keep(message.urls).then((answer) => port && port.postMessage(answer),
    (e) => port && port.postMessage({ kept: 0, failed: [String(e)] })));
});

async function keep(urls) {
  const cache = await caches.open(CACHE);
  const wanted = [...new Set(urls.map((u) => new URL(u, self.location.href)).filter(cacheable)
    .map((u) => u.origin + u.pathname))];
  const failed = [];
  await Promise.all(wanted.map(async (url) => {
    if (await cache.match(url, { ignoreSearch: true, ignoreVary: true })) return;
    try {
      await cache.add(new Request(url, { cache: 'no-cache' }));
    } catch (e) {
      failed.push(url);
    }
  }));
  return { kept: wanted.length - failed.length, failed };
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!cacheable(url)) return; // the browser's own handling: straight to the network
  event.respondWith(networkFirst(request, url));
});

/** When the network last failed or timed out: for UNREACHABLE_MS after it, the cache answers first. */
let unreachableAt = 0;
const UNREACHABLE_MS = 10000;

/** The cache key of a file: its address without a query. */
function keyOf(url) {
  return url.origin + url.pathname;
}

/**
 * The network's answer (a fresh copy is kept); after a failure, a 5xx, or no answer within NETWORK_TIMEOUT_MS, the
 * cached copy. Once the network failed, the next UNREACHABLE_MS answer from the cache at once (a silent network would make
 * each of the page's files wait its own timeout, module after module) while the network is still tried for a fresh
 * copy.
 */
async function networkFirst(request, url) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request, { cache: 'no-cache' }).then((response) => {
    unreachableAt = 0;
    if (response.ok && response.type === 'basic') {
      cache.put(keyOf(url), response.clone()).catch((e) => console.warn('could not cache', url.pathname, e));
    }
    return response;
  });
  fromNetwork.catch(() => {
    unreachableAt = Date.now();
  }); // a failure is answered from the cache below, not an unhandled rejection
  const cachedCopy = () => cache.match(keyOf(url), { ignoreSearch: true, ignoreVary: true });
  if (unreachableAt && Date.now() - unreachableAt < UNREACHABLE_MS) {
    const cached = await cachedCopy();
    if (cached) return cached;
  }
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, NETWORK_TIMEOUT_MS, null);
  });
  try {
    const response = await Promise.race([fromNetwork, timeout]);
    // a 5xx is a server (or the proxy in front of it) that cannot serve now: the cached copy is better
    if (response && response.status < 500) return response;
    if (response) {
      const cached = await cachedCopy();
      return cached || response;
    }
    unreachableAt = Date.now();
  } catch (e) {
    // no network, refused or cut: the cached copy
  } finally {
    clearTimeout(timer);
  }
  const cached = await cachedCopy();
  if (cached) return cached;
  return fromNetwork; // nothing cached: the network's answer or its error, whenever it comes
}
