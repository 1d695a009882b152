// Sync Control: views.
import { signIn } from '/sdk/outpost-sync.js';
import { state } from './state.js';
import { startClient } from './client.js';
import { $ } from './constants.js';
import { describeError, isSyncRequestError, setButtonBusy, show } from './helpers.js';
import { saveSession } from './session.js';

/** The sign-in view; `notice` `{kind, title, text}` above the form (a revoked device, data erased), or null. */
export function showSignIn(message = '', username = '', notice = null) {
  show($('boot'), false);
  show($('app'), false);
  show($('signin'), true);
  document.title = 'Sign in · Outpost Sync Control';
  showSigninError(message);
  showSigninNotice(notice);
  if (username) $('username').value = username;
  $('password').value = '';
  ($('username').value ? $('password') : $('username')).focus();
}

function showSigninNotice(notice) {
  const node = $('signin-notice');
  $('signin-notice-title').textContent = notice ? notice.title : '';
  $('signin-notice-text').textContent = notice ? notice.text : '';
  node.dataset.kind = notice ? notice.kind : '';
  show(node, Boolean(notice));
}

function showSigninError(message) {
  $('signin-error').textContent = message || '';
  show($('signin-error'), Boolean(message));
}

export function showBoot(text) {
  $('boot-text').textContent = text;
  show($('boot'), true);
  show($('signin'), false);
  show($('app'), false);
}

export function showApp() {
  show($('boot'), false);
  show($('signin'), false);
  show($('app'), true);
  document.title = 'Outpost Sync Control';
}

function signInErrorMessage(e) {
  if (isSyncRequestError(e)) {
    switch (e.error.kind) {
      case 'offline':
        return 'The server cannot be reached. Signing in needs a connection; check it and try again.';
      case 'unauthorized':
        return 'Wrong username or password.';
      case 'busy':
        return 'Too many sign-in attempts. Wait a moment and try again.';
      case 'forbidden':
        return 'This account may not sign in here.';
      default:
        return 'Signing in failed. Try again in a moment.';
    }
  }
  return `Signing in failed. ${describeError(e)}`;
}

export async function onSignInSubmit(event) {
  event.preventDefault();
  if (state.starting) return;
  const username = $('username').value.trim();
  const pw = $('password').value;
  if (!username || !pw) {
    showSigninError('Enter your username and password.');
    return;
  }
  showSigninError('');
  const button = $('signin-button');
  setButtonBusy(button, true, 'Signing in…');
  state.starting = true;
  try {
    let token;
    try {
      token = await signIn(undefined, username, pw);
    } catch (e) {
      console.warn('sign-in failed', e);
      showSigninError(signInErrorMessage(e));
      $('password').select();
      return;
    }
    const s = { username, token };
    await saveSession(s);
    try {
      await startClient(s, pw);
    } catch (e) {
      console.error('could not open the client', e);
      showSignIn(`This device's store could not be opened. ${describeError(e)}`, username);
    }
  } finally {
    state.starting = false;
    setButtonBusy(button, false, 'Sign in');
  }
}
