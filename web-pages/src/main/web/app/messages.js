// Sync Control: messages.
import { state } from './state.js';
import { $ } from './constants.js';
import { describeError, isSyncRequestError, show, technical } from './helpers.js';

export function toast(message, kind = 'info') {
  const node = $('toast');
  node.textContent = message;
  node.dataset.kind = kind;
  show(node, true);
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => show(node, false), kind === 'error' ? 8000 : 3500);
}

/** Shows an error of an action in #app-error in plain words, the technical text in its details and the console. */
export function reportError(context, e) {
  console.error(context, e);
  if ($('app').hidden) return; // signed out: the sign-in view shows its own errors
  const sentence = describeError(e);
  $('app-error-text').textContent = context ? `${context}. ${sentence}` : sentence;
  $('app-error-detail').textContent = technical(e);
  $('app-error-details').open = false;
  $('app-error').dataset.kind = isSyncRequestError(e) ? e.error.kind : (e && e.name) || 'error';
  show($('app-error'), true);
}

export function clearAppError() {
  $('app-error-text').textContent = '';
  $('app-error-detail').textContent = '';
  delete $('app-error').dataset.kind;
  show($('app-error'), false);
}

/** Wraps an async event handler: whatever it throws is shown, never lost. */
export function guarded(context, handler) {
  return async (event) => {
    try {
      await handler(event);
    } catch (e) {
      reportError(context, e);
    }
  };
}

export function offlineNote() {
  return state.lastStatus && state.lastStatus.state === 'offline' ? ' — it will be sent when the server can be reached' : '';
}
