// Outpost console: the server's API with the session's bearer token. Errors are RFC 9457 problems: a ProblemError
// carries their status and stable code. The server checks every role; the console only hides what it would refuse.
import { state } from './state.js';

export class ProblemError extends Error {
  constructor(status, code, detail) {
    super(detail || `the server answered ${status}`);
    this.status = status;
    this.code = code;
  }
}

/** The answer's JSON, or null for 202/204; a ProblemError for 4xx/5xx. `onUnauthorized` runs on a 401. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (state.session) headers.Authorization = `Bearer ${state.session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const answer = await fetch(`/api/v1${path}`, { method, headers, signal,
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (answer.status === 204) return null;
  const text = await answer.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (!answer.ok) {
    const problem = new ProblemError(answer.status, json && json.code, json && (json.detail || json.title));
    if (answer.status === 401) unauthorizedHandler(problem);
    throw problem;
  }
  return json;
}

let unauthorizedHandler = () => {};

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** POST /auth/token: a token for a configured account. */
export async function signIn(username, password) {
  const answer = await fetch('/api/v1/auth/token', { method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }) });
  const json = await answer.json().catch(() => null);
  if (!answer.ok) throw new ProblemError(answer.status, json && json.code, json && (json.detail || json.title));
  return json.accessToken;
}

/** The token's claims (`sub`, `tenant`, `roles`), read to choose the views; the server checks them anyway. */
export function claims(token) {
  const part = String(token).split('.')[1] || '';
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return {};
  }
}

export function path(...segments) {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}
