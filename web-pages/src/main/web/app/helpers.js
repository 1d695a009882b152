// Sync Control: small helpers.
import { SyncRequestError } from '/sdk/outpost-sync.js';
import { INTERVAL_LABELS, SYNC_ERROR_TEXT } from './constants.js';
import { reportError } from './messages.js';

export function show(node, visible) {
  node.hidden = !visible;
}

export function compactJson(value) {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A value as short text: strings as they are, lists of plain values joined, other JSON compactly. */
export function display(value) {
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
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

export function formatInterval(seconds) {
  if (INTERVAL_LABELS[seconds]) return INTERVAL_LABELS[seconds];
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** A random UUID, also where `crypto.randomUUID` is missing (pages served over plain http on a LAN address). */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isSyncRequestError(e) {
  return e instanceof SyncRequestError || (e !== null && typeof e === 'object' && e.error
    && typeof e.error.kind === 'string');
}

/** A sync error (`{kind, message}`) in plain words. */
export function describeSyncError(error) {
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
export function technical(e) {
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
export function describeError(e) {
  if (isSyncRequestError(e)) return describeSyncError(e.error);
  if (e && e.name === 'QuotaExceededError') return 'This device has run out of storage space.';
  if (e && (e.name === 'InvalidStateError' || e.name === 'UnknownError' || e.name === 'AbortError')) {
    return "This device's storage could not be used. Reloading the page usually helps.";
  }
  return 'Something went wrong on this page.';
}

export function setButtonBusy(button, busy, busyLabel) {
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

export function setLabel(button, text) {
  const label = button.querySelector('.label');
  (label || button).textContent = text;
}

/**
 * Coalesces calls of an async task: one run at a time; calls during a run cause one more run after it; calls
 * before a run starts (same tick) share it.
 */
export function coalesce(task, errorContext) {
  let scheduled = false;
  let running = false;
  let again = false;
  const drain = async () => {
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
    queueMicrotask(drain);
  };
}

/**
 * Brings a list's children in line with `items`, reusing the element of an item whose signature did not change (so
 * a click on a button is not lost to a re-render that changed nothing).
 */
const signatures = new WeakMap();
export function reconcile(container, items, key, signature, build) {
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

export function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A collapsed "Details" box with technical text. */
export function detailsBox(text) {
  const box = h('details', 'tech-details');
  box.append(h('summary', '', 'Details'), h('code', 'tech-text', text));
  return box;
}
