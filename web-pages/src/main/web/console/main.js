// Outpost console: for auditors (a record's history) and admins (that, the conflicts queue, fleet and health).
// Plain ES modules, no build step, only the page's own files (strict CSP). The server enforces every role; the
// console only hides the views the server would refuse. The entry module: sign-in, views and wiring.
import { claims, onUnauthorized, signIn } from './api.js';
import { onConflictClick, refreshConflicts } from './conflicts.js';
import { $, show } from './dom.js';
import { onRebuild, refreshFleet } from './fleet.js';
import { onAsOf, onExportCsv, onExportJson, onHistorySubmit, showHistory } from './history.js';
import { state } from './state.js';

/** sessionStorage: the console's token lives in this tab only. */
const SESSION_KEY = 'outpost.console.session';

const VIEWS = {
  history: { roles: ['auditor', 'admin'], refresh: async () => {} },
  conflicts: { roles: ['admin'], refresh: refreshConflicts },
  fleet: { roles: ['admin'], refresh: refreshFleet },
};

function allowed(view) {
  return Boolean(state.session) && VIEWS[view].roles.some((r) => state.session.roles.has(r));
}

function sessionOf(token) {
  const c = claims(token);
  return { token, username: c.sub || '', tenant: c.tenant || '', roles: new Set(Array.isArray(c.roles) ? c.roles : []) };
}

function storedSession() {
  try {
    const token = sessionStorage.getItem(SESSION_KEY);
    if (!token) return null;
    const s = sessionOf(token);
    const exp = claims(token).exp;
    return exp && exp * 1000 < Date.now() ? null : s;
  } catch (e) {
    return null;
  }
}

function reportError(context, e) {
  const node = $('console-error');
  node.textContent = `${context}: ${e && e.message ? e.message : e}`;
  node.dataset.code = (e && e.code) || '';
  show(node, true);
}

function guarded(context, handler) {
  return async (event) => {
    show($('console-error'), false);
    try {
      await handler(event);
    } catch (e) {
      reportError(context, e);
    }
  };
}

function showSignIn(message = '') {
  state.session = null;
  show($('console'), false);
  show($('signin'), true);
  $('signin-error').textContent = message;
  show($('signin-error'), Boolean(message));
}

async function showView(view) {
  if (!allowed(view)) return;
  state.view = view;
  for (const name of Object.keys(VIEWS)) {
    show($(`view-${name}`), name === view);
    $(`tab-${name}`).setAttribute('aria-current', String(name === view));
  }
  document.body.dataset.view = view;
  await VIEWS[view].refresh();
}

async function openConsole(session) {
  state.session = session;
  show($('signin'), false);
  show($('console'), true);
  $('who').textContent = `${session.username} · ${session.tenant} · ${[...session.roles].sort().join(', ')}`;
  const visible = Object.keys(VIEWS).filter(allowed);
  for (const name of Object.keys(VIEWS)) show($(`tab-${name}`), visible.includes(name));
  show($('no-views'), !visible.length);
  document.body.dataset.ready = 'true';
  if (visible.length) await showView(visible[0]);
}

async function onSignInSubmit(event) {
  event.preventDefault();
  $('signin-button').disabled = true;
  try {
    const token = await signIn($('username').value.trim(), $('password').value);
    $('password').value = '';
    sessionStorage.setItem(SESSION_KEY, token);
    await openConsole(sessionOf(token));
  } catch (e) {
    showSignIn(e.status === 401 ? 'That username and password do not match.' : `Could not sign in: ${e.message}`);
  } finally {
    $('signin-button').disabled = false;
  }
}

function signOut(message = '') {
  sessionStorage.removeItem(SESSION_KEY);
  document.body.dataset.ready = 'false';
  showSignIn(message);
}

function wire() {
  $('signin-form').addEventListener('submit', onSignInSubmit);
  $('signout').addEventListener('click', () => signOut());
  for (const name of Object.keys(VIEWS)) {
    $(`tab-${name}`).addEventListener('click', guarded('Could not show that view', () => showView(name)));
  }
  $('history-form').addEventListener('submit', guarded('Could not show the history', onHistorySubmit));
  $('asof-show').addEventListener('click', guarded('Could not show that version', onAsOf));
  $('asof-version').addEventListener('change', () => { if ($('asof-version').value) $('asof-time').value = ''; });
  $('asof-time').addEventListener('input', () => { if ($('asof-time').value) $('asof-version').value = ''; });
  $('export-json').addEventListener('click', guarded('Could not export', onExportJson));
  $('export-csv').addEventListener('click', guarded('Could not export', onExportCsv));
  $('conflicts-refresh').addEventListener('click', guarded('Could not list the conflicts', refreshConflicts));
  $('conflict-status').addEventListener('change', guarded('Could not list the conflicts', refreshConflicts));
  $('conflict-list').addEventListener('click', guarded('Could not resolve the conflict', onConflictClick));
  $('fleet-refresh').addEventListener('click', guarded('Could not refresh', refreshFleet));
  $('chart-minutes').addEventListener('change', guarded('Could not refresh', refreshFleet));
  $('rebuild').addEventListener('click', guarded('Could not rebuild', onRebuild));
  onUnauthorized(() => signOut('Your session has ended. Please sign in again.'));
  // a conflict's "Record history": the history view with that record
  document.addEventListener('console:history', guarded('Could not show the history', async (event) => {
    const { collection, id } = event.detail;
    $('history-collection').value = collection;
    $('history-id').value = id;
    await showView('history');
    await showHistory(collection, id);
  }));
}

async function boot() {
  wire();
  const stored = storedSession();
  if (!stored) {
    showSignIn();
    document.body.dataset.ready = 'false';
    return;
  }
  try {
    await openConsole(stored);
  } catch (e) {
    reportError('Could not open the console', e);
  }
}

boot();
