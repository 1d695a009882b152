// JSON over fetch, as PROTOCOL.md asks: bearer token (one refresh and one retry after a 401), gzip request bodies,
// RFC 9457 problems read for their `code`, `Retry-After` read on 429/503. Never logs a token or a body.

import { parseRetryAfter } from './backoff.js';
import { timeoutSignal } from './platform.js';

/** A request-level failure: `error` {kind, message, status, code}, and the wait the server asked for (ms). */
export class TransportError extends Error {
  constructor(error, retryAfterMs = null) {
    super(error.message);
    this.name = 'TransportError';
    this.error = error;
    this.retryAfterMs = retryAfterMs;
  }
}

export function syncError(kind, message, status = 0, code = null) {
  return { kind, message, status, code };
}

export function kindOf(status) {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429 || status === 503) return 'busy';
  return status >= 500 ? 'server' : 'refused';
}

/** The API root for a base URL (default: the page's origin). */
export function apiRoot(baseUrl) {
  const base = (baseUrl ?? globalThis.location?.origin ?? '').replace(/\/+$/, '');
  return base.endsWith('/api/v1') ? base : `${base}/api/v1`;
}

/** Bodies above this size are sent gzip-compressed (below it the header costs more than it saves). */
const GZIP_FROM_BYTES = 1024;

export class HttpTransport {
  constructor({ baseUrl, tokenProvider, timeoutMs = 30000 }) {
    this.root = apiRoot(baseUrl);
    this.tokenProvider = tokenProvider;
    this.timeoutMs = timeoutMs;
    this.token = null;
    this.fetching = null;
    this.refreshing = null;
  }

  get(pathAndQuery) {
    return this.send('GET', pathAndQuery, undefined);
  }

  post(path, body) {
    return this.send('POST', path, body);
  }

  async send(method, path, body) {
    const payload = body === undefined ? undefined : await encode(body);
    let response = await this.exchange(method, path, payload, false);
    if (response.status === 401) {
      await response.body?.cancel();
      response = await this.exchange(method, path, payload, true);
    }
    if (response.ok) {
      try {
        return await response.json();
      } catch (e) {
        if (e?.name === 'AbortError' || e instanceof TypeError) throw offline(e);
        throw new TransportError(syncError('server', 'the answer is not JSON', response.status));
      }
    }
    throw await failure(response);
  }

  async exchange(method, path, payload, refreshToken) {
    const headers = {
      Accept: 'application/json',
      Authorization: `Bearer ${await this.currentToken(refreshToken)}`,
    };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      if (payload.gzip) headers['Content-Encoding'] = 'gzip';
    }
    try {
      return await fetch(`${this.root}/${path}`, {
        method, headers, body: payload?.body, signal: timeoutSignal(this.timeoutMs), cache: 'no-store',
      });
    } catch (e) {
      throw offline(e);
    }
  }

  /** Opens `GET /sync/stream` (Server-Sent Events); the Response, its body not read yet. */
  async openStream(pathAndQuery, signal) {
    for (const refresh of [false, true]) {
      let response;
      try {
        response = await fetch(`${this.root}/${pathAndQuery}`, {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${await this.currentToken(refresh)}` },
          signal, cache: 'no-store',
        });
      } catch (e) {
        throw offline(e);
      }
      if (response.ok) return response;
      if (response.status !== 401 || refresh) throw await failure(response); // its problem's code, e.g. device_revoked
      await response.body?.cancel();
    }
    throw new Error('unreachable');
  }

  /** The bearer token; one call of the provider at a time: concurrent requests share it (one sign-in, not two). */
  currentToken(refresh) {
    if (this.token !== null && !refresh) return Promise.resolve(this.token);
    const key = refresh ? 'refreshing' : 'fetching';
    if (!this[key]) {
      this[key] = this.fetchToken(refresh).finally(() => {
        this[key] = null;
      });
    }
    return this[key];
  }

  async fetchToken(refresh) {
    let token;
    try {
      token = await this.tokenProvider(refresh);
    } catch (e) {
      if (e instanceof TransportError) throw e; // a sign-in that found no server (offline) or was refused
      throw new TransportError(syncError('unauthorized', `the token provider failed: ${e?.message ?? e}`));
    }
    if (typeof token !== 'string' || token.trim() === '') {
      throw new TransportError(syncError('unauthorized', 'the token provider gave no token'));
    }
    this.token = token;
    return token;
  }
}

/** `POST /auth/token` with a password; the access token. Throws TransportError (offline, unauthorized, …). */
export async function passwordSignIn(baseUrl, username, password, timeoutMs = 30000) {
  let response;
  try {
    response = await fetch(`${apiRoot(baseUrl)}/auth/token`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, password }), signal: timeoutSignal(timeoutMs), cache: 'no-store',
    });
  } catch (e) {
    throw offline(e);
  }
  if (!response.ok) throw await failure(response);
  const body = await response.json();
  if (typeof body.accessToken !== 'string') {
    throw new TransportError(syncError('server', 'the sign-in answer has no accessToken', response.status));
  }
  return body.accessToken;
}

async function encode(body) {
  const text = JSON.stringify(body);
  if (text.length < GZIP_FROM_BYTES || typeof CompressionStream === 'undefined') return { body: text, gzip: false };
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return { body: await new Response(stream).arrayBuffer(), gzip: true };
}

async function failure(response) {
  const status = response.status;
  let code = null;
  let message = `HTTP ${status}`;
  try {
    const problem = await response.json();
    if (problem && typeof problem === 'object') {
      code = typeof problem.code === 'string' ? problem.code : null;
      message = problem.detail || problem.title || message;
    }
  } catch {
    // not JSON: keep "HTTP <status>"
  }
  // a revoked device (contract v1.2) is a kind of its own: the engine wipes the store on it
  // an app too old for a collection's schema (docs/schema-versions.md): a kind of its own, the runner stops syncing
  const kind = status === 403 && code === 'device_revoked' ? 'revoked'
    : status === 400 && code === 'upgrade_required' ? 'upgrade-required' : kindOf(status);
  return new TransportError(syncError(kind, message, status, code), retryAfterOf(response));
}

function retryAfterOf(response) {
  if (response.status !== 429 && response.status !== 503) return null;
  return parseRetryAfter(response.headers.get('Retry-After'));
}

function offline(e) {
  const why = e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'timed out' : (e?.name ?? 'error');
  return new TransportError(syncError('offline', `no answer from the server (${why})`));
}
