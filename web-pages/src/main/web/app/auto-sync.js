// Sync Control: auto-sync.
import { MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS } from '/sdk/outpost-sync.js';
import { state } from './state.js';
import { $ } from './constants.js';
import { formatInterval, show } from './helpers.js';
import { reportError, toast } from './messages.js';

function ensureIntervalOption(seconds) {
  const select = $('interval');
  const value = String(seconds);
  if ([...select.options].some((o) => o.value === value)) return;
  const option = new Option(formatInterval(seconds), value);
  const after = [...select.options].find((o) => Number(o.value) > seconds);
  select.add(option, after || null);
}

/** Applies the status's auto-sync setting to the controls when it changed (not while the user's change is saved). */
export function renderAutoSync(autoSync) {
  if (!autoSync || state.autoSyncBusy) return;
  const key = `${autoSync.enabled}|${autoSync.intervalSeconds}`;
  if (key === state.appliedAutoSyncKey) return;
  state.appliedAutoSyncKey = key;
  $('auto-sync').checked = Boolean(autoSync.enabled);
  ensureIntervalOption(autoSync.intervalSeconds);
  $('interval').value = String(autoSync.intervalSeconds);
  $('interval').closest('.setting-row').dataset.enabled = String(Boolean(autoSync.enabled));
}

export async function onAutoSyncChange() {
  const c = state.client;
  if (!c) return;
  const enabled = $('auto-sync').checked;
  const seconds = Number($('interval').value);
  const errorNode = $('interval-error');
  errorNode.textContent = '';
  show(errorNode, false);
  $('interval').closest('.setting-row').dataset.enabled = String(enabled);
  state.autoSyncBusy = true;
  try {
    await c.setAutoSync(enabled, seconds);
    if (c === state.client) {
      toast(enabled ? `Automatic sync every ${formatInterval(seconds)}` : 'Automatic sync is off');
    }
  } catch (e) {
    if (c !== state.client) return;
    if (e instanceof RangeError) {
      errorNode.textContent = `Choose an interval between ${formatInterval(MIN_INTERVAL_SECONDS)} and `
        + `${formatInterval(MAX_INTERVAL_SECONDS)}.`;
      errorNode.title = e.message;
      show(errorNode, true);
    } else {
      reportError('Could not change automatic sync', e);
    }
    // back to the saved setting
    state.appliedAutoSyncKey = null;
    state.autoSyncBusy = false;
    renderAutoSync(c.status().autoSync);
  } finally {
    state.autoSyncBusy = false;
  }
}
