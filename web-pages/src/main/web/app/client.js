// Sync Control: client.
import { openSyncClient, signIn } from '/sdk/outpost-sync.js';
import { state } from './state.js';
import { clientCollections, loadCatalog, refreshCatalog, storedCollection } from './catalog.js';
import { $ } from './constants.js';
import { referenceTargets, renderCollectionPicker, selectCollection } from './fields.js';
import { stopEdit } from './form.js';
import { describeError, plural, setButtonBusy, setLabel, show } from './helpers.js';
import { clearAppError } from './messages.js';
import { checkStorage } from './offline.js';
import { refreshOps } from './queue.js';
import { refreshList, refreshReferenced } from './records.js';
import { resetResult } from './result.js';
import { clearSession, forgetSessionKey, forgetUserSettings, saveSession } from './session.js';
import { onStatus } from './status.js';
import { showApp, showBoot, showSignIn } from './views.js';

/** Opens the client for a session and shows the app. */
export async function startClient(s, pw = null) {
  // the previous client closes after its running sync ends: wait a little for it, not for a whole request timeout
  await Promise.race([state.closing, new Promise((resolve) => setTimeout(resolve, 1000))]);
  const gen = ++state.sessionGen;
  state.session = s;
  state.password = pw;
  const tokenProvider = async (refresh) => {
    if (refresh && state.password && state.session === s) {
      try {
        const token = await signIn(undefined, s.username, state.password);
        s.token = token;
        if (state.session === s) saveSession(s, () => state.session === s);
        return token;
      } catch (e) {
        // offline or refused: the stored token goes out; the server's answer tells the status
        console.warn('could not renew the token', e);
      }
    }
    return s.token;
  };
  const cat = await loadCatalog(s.username, tokenProvider);
  if (gen !== state.sessionGen) return;
  const c = await openSyncClient({
    user: s.username,
    tokenProvider,
    collections: clientCollections(cat),
    conflictHandler: () => 'leave-open',
    liveUpdates: true,
  });
  if (gen !== state.sessionGen) {
    // signed out (or another session started) while opening
    c.close().catch((e) => console.warn('close', e));
    return;
  }
  state.client = c;
  state.catalog = cat;
  state.expiring = false;
  state.manualSync = false;
  state.sawSyncing = false;
  state.run = null;
  state.appliedAutoSyncKey = null;
  let catalogChecked = cat.source === 'server';
  try {
    state.openedAttemptAt = c.status().lastAttemptAt;
  } catch {
    state.openedAttemptAt = null;
  }

  $('user-name').textContent = c.user || s.username;
  $('device-id').textContent = c.deviceId;
  $('device-id').title = c.deviceId;
  $('password').value = ''; // the password lives in memory only, not in a hidden form field
  clearAppError();
  resetResult();
  renderCollectionPicker();
  selectCollection(storedCollection(s.username, cat), false);
  showApp();
  checkStorage();

  state.unsubscribers.push(c.subscribe(onStatus));
  let synced = false;
  state.unsubscribers.push(c.subscribe((status) => {
    if (status.state === 'syncing') synced = true;
    if (!catalogChecked && synced && status.state === 'idle' && c === state.client) {
      // the server answers again: ask it for its collections (again after the next sync if that fails)
      catalogChecked = true;
      synced = false;
      refreshCatalog(tokenProvider).then((ok) => {
        if (!ok) catalogChecked = false;
      }, (e) => {
        console.warn('refreshing the collections', e);
        catalogChecked = false;
      });
    }
  }));
  state.unsubscribers.push(c.onChange((change) => {
    if (!state.current) return;
    if (change.collection === state.current.name) refreshList();
    else if (referenceTargets().includes(change.collection)) refreshReferenced();
  }));
  refreshReferenced();
  refreshOps();
}

/** Stops the current client (the store with its queue stays) and forgets what it showed. */
function closeClient() {
  const c = state.client;
  state.sessionGen++;
  state.client = null;
  state.lastStatus = null;
  state.manualSync = false;
  state.run = null;
  for (const unsubscribe of state.unsubscribers.splice(0)) {
    try {
      unsubscribe();
    } catch (e) {
      console.warn('unsubscribe', e);
    }
  }
  if (c) state.closing = c.close().catch((e) => console.warn('close', e));
  return state.closing;
}

/** The server's collections changed: the same session on a client that syncs the new set. */
export async function reopenClient() {
  const s = state.session;
  const pw = state.password;
  if (!s || state.starting) return;
  state.starting = true;
  closeClient();
  showBoot('The server\'s collections changed. Opening again…');
  try {
    await startClient(s, pw);
  } catch (e) {
    console.error('could not open the client', e);
    showSignIn(`This device's store could not be opened. ${describeError(e)}`, s.username);
  } finally {
    state.starting = false;
  }
}

/**
 * Closes the client, forgets the session (the store with its queue stays) and shows the sign-in view. The tab that
 * signs out deletes the session key too; `otherTab`: this tab follows a sign-out (or a sign-in) of another tab, whose
 * key is not this tab's to delete. `notice`: `{kind, title, text}` shown above the sign-in form.
 */
export function signOut(message = '', { otherTab = false, notice = null } = {}) {
  const username = state.session ? state.session.username : '';
  const dialog = $('signout-dialog');
  if (dialog.open) dialog.close();
  closeClient();
  state.session = null;
  state.password = null;
  if (!otherTab) {
    clearSession();
    forgetSessionKey();
  }
  clearAppView();
  showSignIn(message, username, notice);
  return state.closing;
}

/** Sign out: a dialog that warns of changes not on the server yet and offers to erase this device's data. */
export async function onSignOutClick() {
  const c = state.client;
  if (!c) return;
  let pending = 0;
  let stuck = 0;
  try {
    const [queued, failed, conflicted] = await Promise.all([c.pendingOps(), c.failedOps(), c.conflictedOps()]);
    pending = queued.length;
    stuck = failed.length + conflicted.length;
  } catch (e) {
    console.warn('could not count the unsent changes', e);
    const status = c.status();
    pending = status.pendingOps;
    stuck = status.failedOps + status.openConflicts;
  }
  if (c !== state.client) return;
  const user = state.session ? state.session.username : c.user;
  const unsent = pending + stuck;
  const parts = [];
  if (pending > 0) {
    parts.push(`${plural(pending, 'change')} made on this device ${pending === 1 ? 'has' : 'have'} not been sent `
      + 'to the server yet.');
  }
  if (stuck > 0) {
    parts.push(`${plural(stuck, 'change')} ${stuck === 1 ? 'waits' : 'wait'} for your decision (rejected or in `
      + 'conflict).');
  }
  const dialog = $('signout-dialog');
  $('signout-dialog-title').textContent = unsent > 0 ? `Sign out with ${plural(unsent, 'unsent change')}?`
    : `Sign out ${user}?`;
  $('signout-dialog-text').textContent = unsent > 0 ? parts.join(' ')
    : `Everything ${user} changed on this device has reached the server.`;
  $('signout-dialog-keep').textContent = unsent > 0
    ? `${unsent === 1 ? 'It stays' : 'They stay'} queued in this device's store for ${user} and `
      + `${unsent === 1 ? 'is' : 'are'} sent the next time ${user} signs in on this device. Other users signing in `
      + 'here do not see them.'
    : `${user}'s records stay on this device for the next sign-in, so that they can be used offline.`;
  show($('signout-dialog-send'), unsent > 0);
  $('signout-erase-label').textContent = `Also erase this device's local data for ${user}`;
  $('signout-erase-hint').textContent = unsent > 0
    ? `${plural(unsent, 'change')} not on the server will be lost, with ${user}'s records and settings in this browser.`
    : `${user}'s records and settings are removed from this browser; they are pulled again at the next sign-in.`;
  $('signout-erase').checked = false;
  dialog.dataset.pending = String(pending);
  dialog.dataset.unsent = String(unsent);
  showSignOutError('');
  renderSignOutChoice();
  dialog.showModal();
  $('signout-cancel').focus();
}

/** The dialog follows the erase box: what stays, and what the button does. */
export function renderSignOutChoice() {
  const erase = $('signout-erase').checked;
  const unsent = Number($('signout-dialog').dataset.unsent || '0');
  const confirm = $('signout-confirm');
  $('signout-dialog').dataset.erase = String(erase);
  show($('signout-dialog-keep'), !erase);
  confirm.classList.toggle('danger', erase);
  confirm.classList.toggle('primary', !erase);
  setLabel(confirm, erase ? (unsent > 0 ? `Erase ${plural(unsent, 'change')} and sign out` : 'Erase and sign out')
    : (unsent > 0 ? 'Sign out anyway' : 'Sign out'));
}

function showSignOutError(message) {
  $('signout-error').textContent = message;
  show($('signout-error'), Boolean(message));
}

export async function onSignOutConfirm() {
  if (!$('signout-erase').checked) {
    $('signout-dialog').close('confirm');
    signOut('');
    return;
  }
  const confirm = $('signout-confirm');
  const cancel = $('signout-cancel');
  const label = confirm.querySelector('.label').textContent;
  setButtonBusy(confirm, true, 'Erasing…');
  cancel.disabled = true;
  $('signout-erase').disabled = true;
  try {
    const erased = await signOutAndErase();
    if (!erased) return;
  } catch (e) {
    console.error('could not erase the local data', e);
    showSignOutError(`This device's data could not be erased, and you are still signed in. ${describeError(e)} `
      + 'Close the other tabs of this page and try again.');
  } finally {
    setButtonBusy(confirm, false, label);
    cancel.disabled = false;
    $('signout-erase').disabled = false;
  }
}

/**
 * Signs out and erases the user's store (records, queue, deviceId: `client.wipeLocalData()`) and what the page
 * keeps for the user. The session goes first, so that the other tabs sign out and close the store; when the store
 * cannot be erased the session comes back (the other tabs open again) and the error is thrown.
 */
async function signOutAndErase() {
  const c = state.client;
  const s = state.session;
  if (!c || !s) return false;
  const gen = state.sessionGen;
  clearSession();
  try {
    await c.wipeLocalData();
  } catch (e) {
    if (gen === state.sessionGen && state.session === s) await saveSession(s, () => state.session === s);
    throw e;
  }
  forgetUserSettings(s.username);
  if (state.session === s) {
    signOut('', { notice: { kind: 'erased', title: 'Signed out and erased',
      text: `This device's data for ${s.username} was erased from this browser.` } });
  }
  return true;
}

/** Empties everything the previous user's data was shown in (a shared device). */
function clearAppView() {
  stopEdit();
  state.current = null;
  state.catalog = null;
  state.recordsById.clear();
  state.referenced.clear();
  $('records').tHead.rows[0].replaceChildren();
  $('records').tBodies[0].replaceChildren();
  $('records').dataset.columns = '';
  $('form-fields').replaceChildren();
  $('collection').replaceChildren();
  $('record-count').textContent = '0';
  show($('records-empty'), true);
  $('conflict-list').replaceChildren();
  $('failed-list').replaceChildren();
  $('queue-list').replaceChildren();
  show($('conflicts'), false);
  show($('failed'), false);
  $('queue-count').textContent = '0';
  show($('queue-empty'), true);
  $('user-name').textContent = '';
  $('device-id').textContent = '';
  resetResult();
  clearAppError();
  show($('interval-error'), false);
  clearTimeout(state.toastTimer);
  show($('toast'), false);
}

/** A refused token (after the SDK asked for a new one) ends the session: sign in again. */
export function expireSession() {
  if (state.expiring) return;
  state.expiring = true;
  signOut('Your session has expired or was refused by the server. Please sign in again.');
}
