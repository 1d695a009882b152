// A scripted Outpost server inside the test page: replaces fetch for URLs under http://fake.test. Each route answers
// with a function of the parsed request; every request is recorded. Used for the SDK's transport and runner logic
// (retries, Retry-After, 401, batching); the end-to-end tests run against the real server instead.

export const BASE = 'http://fake.test';

export function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

async function readBody(init) {
  if (init?.body == null) return undefined;
  const headers = new Headers(init.headers);
  if (headers.get('Content-Encoding') === 'gzip') {
    const stream = new Blob([init.body]).stream().pipeThrough(new DecompressionStream('gzip'));
    return JSON.parse(await new Response(stream).text());
  }
  return JSON.parse(init.body);
}

/** Answers every op of a push as applied (version 1, or baseVersion + 1). */
export function applyAll(request) {
  return json({
    lastProcessedOpId: Math.max(0, ...request.body.operations.map((o) => o.opId)),
    results: request.body.operations.map((o) => ({
      opId: o.opId, status: 'applied', collection: o.collection, id: o.id ?? `srv-${o.opId}`,
      ...(o.tempId ? { tempId: o.tempId } : {}), version: (o.baseVersion ?? 0) + 1,
    })),
  });
}

export function emptyPull(request) {
  return json({ changes: [], cursor: `c-${request.url.searchParams.get('cursor') ?? 0}`, hasMore: false,
    lastProcessedOpId: 0 });
}

export class FakeServer {
  constructor() {
    this.routes = new Map([['sync/push', applyAll], ['sync/pull', emptyPull]]);
    this.requests = [];
    this.original = globalThis.fetch;
    globalThis.fetch = (url, init) => this.handle(new URL(url), init);
  }

  on(path, handler) {
    this.routes.set(path, handler);
    return this;
  }

  /** Requests to a path (without /api/v1/), in order. */
  calls(path) {
    return this.requests.filter((r) => r.path === path);
  }

  async handle(url, init = {}) {
    if (url.origin !== BASE) return this.original(url, init);
    const path = url.pathname.replace(/^\/api\/v1\//, '');
    const request = { path, url, method: init.method ?? 'GET', headers: new Headers(init.headers),
      body: await readBody(init) };
    this.requests.push(request);
    const handler = this.routes.get(path);
    if (!handler) return json({ code: 'not_found', title: 'no route' }, 404);
    // as the browser's fetch: a request whose signal aborts (the SDK's timeout) rejects with the signal's reason,
    // even while the route has not answered
    const aborted = new Promise((resolve, reject) => {
      if (init.signal?.aborted) reject(init.signal.reason);
      init.signal?.addEventListener('abort', () => reject(init.signal.reason), { once: true });
    });
    const answer = await Promise.race([handler(request), aborted]);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  close() {
    globalThis.fetch = this.original;
  }
}
