// Outpost Sync Control: this device's records of the server's collections, its outgoing queue and its sync status,
// on the browser SDK. The list and the form follow the collection's JSON Schema from GET /api/v1/collections.
// Plain ES module, no build step. Every piece of record data is user input: it only ever goes into textContent.
// The entry module: wiring and start. The state lives in state.js; each section of the page in its own module.
import { MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS } from '/sdk/outpost-sync.js';
import { state } from './state.js';
import { onAutoSyncChange } from './auto-sync.js';
import { onSignOutClick, onSignOutConfirm, renderSignOutChoice, signOut, startClient } from './client.js';
import { $, SESSION_KEY } from './constants.js';
import { onRecordSubmit, stopEdit } from './form.js';
import { describeError, formatInterval, show } from './helpers.js';
import { clearAppError, guarded, reportError } from './messages.js';
import { registerServiceWorker } from './offline.js';
import { onConflictClick, onFailedClick } from './queue.js';
import { onCollectionChange, onRecordsClick } from './records.js';
import { onSyncNow } from './result.js';
import { loadSession, storedUsername } from './session.js';
import { onSignInSubmit, showBoot, showSignIn } from './views.js';

/** Another tab signed in, out, or renewed the token. */
async function onStorage(event) {
  if (event.storageArea !== localStorage || (event.key !== SESSION_KEY && event.key !== null)) return;
  const seen = ++state.storageEvents;
  const username = storedUsername();
  if (state.client && state.session) {
    if (!username) {
      signOut('You signed out in another tab.', { otherTab: true });
    } else if (username !== state.session.username) {
      signOut(`${username} signed in in another tab.`, { otherTab: true });
    } else {
      const stored = await loadSession(); // renewed in another tab
      if (seen === state.storageEvents && stored && state.session && stored.username === state.session.username) {
        state.session.token = stored.token;
      }
    }
  } else if (!state.client && !state.starting && username) {
    state.starting = true;
    let stored = null;
    try {
      stored = await loadSession();
      if (seen !== state.storageEvents || state.client || !stored) return;
      showBoot('Opening…');
      await startClient(stored);
    } catch (e) {
      showSignIn(`This device's store could not be opened. ${describeError(e)}`, username);
    } finally {
      state.starting = false;
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
    if (event.key === 'Escape' && state.editing && !$('signout-dialog').open) stopEdit();
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
        return state.client;
      },
    }),
  });
}

async function boot() {
  exposeForTests();
  wire();
  registerServiceWorker();
  state.starting = true;
  let stored = null;
  try {
    stored = await loadSession();
  } catch (e) {
    console.warn('could not read the stored session', e);
  }
  if (!stored) {
    state.starting = false;
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
    state.starting = false;
  }
}

boot();
