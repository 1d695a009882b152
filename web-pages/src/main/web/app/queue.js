// Sync Control: conflicts, failed ops, queue.
import { state } from './state.js';
import { $, REJECTION_TEXT } from './constants.js';
import { fieldLabel, plainFieldMessage } from './field-errors.js';
import { readable, recordNoun, usableSchema } from './fields.js';
import { coalesce, compactJson, detailsBox, formatTime, h, reconcile, show } from './helpers.js';
import { offlineNote, reportError, toast } from './messages.js';
import { refreshList } from './records.js';

export const refreshOps = coalesce(async () => {
  const c = state.client;
  if (!c) return;
  const gen = state.sessionGen;
  const [conflicted, failed, pending] = await Promise.all([c.conflictedOps(), c.failedOps(), c.pendingOps()]);
  if (gen !== state.sessionGen) return;
  renderConflicts(conflicted);
  renderFailed(failed);
  renderQueue(pending);
}, 'Could not load the queue');

function opTitle(op) {
  return `${op.type} ${op.id}`;
}

function jsonBlock(label, value, className) {
  const box = h('div', `json-box ${className}`);
  box.append(h('span', 'json-label', label), h('code', 'json', value));
  return box;
}

const OP_WORDS = { create: 'new', update: 'change', delete: 'deletion' };

function opHead(op) {
  const head = h('div', 'op-head');
  const type = h('span', `op-type op-${op.type}`, op.type);
  type.title = `A ${OP_WORDS[op.type] || op.type} of a ${recordNoun(op.collection, usableSchema(state.catalog
    && state.catalog.collections.get(op.collection)))}`;
  const id = h('span', 'record-id', op.id);
  id.title = `Record ${op.id} of ${readable(op.collection)}`;
  head.append(type, h('span', 'op-collection', readable(op.collection)), id);
  return head;
}

function buildConflictItem(op) {
  const conflict = op.conflict || {};
  const li = h('li', 'op-item conflict-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  if (conflict.conflictId) li.dataset.conflictId = conflict.conflictId;

  const head = opHead(op);
  if (conflict.serverVersion !== undefined) {
    head.append(h('span', 'op-meta', `server v${conflict.serverVersion} · yours on v${op.baseVersion}`));
  }
  li.append(head);

  const fields = Array.isArray(conflict.fields) && conflict.fields.length
    ? conflict.fields.map((f) => fieldLabel(op.collection, f)).join(', ') : 'whole record';
  const fieldsLine = h('p', 'op-fields');
  fieldsLine.append(h('span', 'op-fields-label', 'Fields: '), h('span', 'fields', fields));
  li.append(fieldsLine);

  const compare = h('div', 'compare');
  const mine = 'localAttempt' in conflict ? conflict.localAttempt : op.data;
  compare.append(jsonBlock('yours:', mine === null ? 'delete' : compactJson(mine), 'yours'));
  compare.append(jsonBlock('server:', conflict.serverDeleted ? 'deleted' : compactJson(conflict.serverData),
    'server'));
  li.append(compare);

  if (conflict.conflictId) {
    li.append(h('p', 'muted small', 'Parked on the server for review; keeping yours needs a connection.'));
  }

  li.append(opActions(['btn small keep-server', 'Keep server'], ['btn small primary keep-mine', 'Keep mine']));
  return li;
}

/** A row of buttons for an op item: each [class names, label]. */
function opActions(...buttons) {
  const actions = h('div', 'op-actions');
  for (const [classes, label] of buttons) {
    const button = h('button', classes, label);
    button.type = 'button';
    actions.append(button);
  }
  return actions;
}

function renderConflicts(ops) {
  reconcile($('conflict-list'), ops, (op) => op.opId, (op) => JSON.stringify(op), buildConflictItem);
  $('conflict-count').textContent = String(ops.length);
  show($('conflicts'), ops.length > 0);
}

function buildFailedItem(op) {
  const li = h('li', 'op-item failed-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  const error = op.error || { code: 'failed', message: '', fields: [] };
  li.dataset.code = error.code || '';
  li.append(opHead(op));

  li.append(h('p', 'op-error', REJECTION_TEXT[error.code] || 'The server refused this change.'));
  const fieldErrors = Array.isArray(error.fields) ? error.fields : [];
  if (fieldErrors.length) {
    const list = h('ul', 'field-errors');
    for (const f of fieldErrors) {
      const item = h('li', '', plainFieldMessage(op.collection, f));
      item.dataset.field = f.field || '';
      list.append(item);
    }
    li.append(list);
  }
  const tech = [`code: ${error.code || 'failed'}`];
  if (error.message) tech.push(`message: ${error.message}`);
  for (const f of fieldErrors) tech.push(`${f.field || '(record)'}: ${f.message}`);
  if (op.data) tech.push(`change: ${compactJson(op.data)}`);
  li.append(detailsBox(tech.join('\n')));

  li.append(opActions(['btn small danger-outline discard', 'Discard'], ['btn small primary retry', 'Retry']));
  return li;
}

function renderFailed(ops) {
  reconcile($('failed-list'), ops, (op) => op.opId, (op) => JSON.stringify(op), buildFailedItem);
  $('failed-count').textContent = String(ops.length);
  show($('failed'), ops.length > 0);
}

function buildQueueItem(op) {
  const li = h('li', 'queue-item');
  li.dataset.opId = String(op.opId);
  li.dataset.recordId = op.id;
  li.dataset.state = op.state;
  li.append(
    h('span', 'queue-op', `#${op.opId}`),
    h('span', `op-type op-${op.type}`, op.type),
    h('span', 'record-id', op.id),
    h('span', `queue-state state-${op.state}`, op.state === 'syncing' ? 'sending' : op.state),
  );
  li.title = `${opTitle(op)} in ${op.collection} on version ${op.baseVersion}, written ${formatTime(op.clientTimestamp)}`;
  return li;
}

function renderQueue(ops) {
  reconcile($('queue-list'), ops, (op) => op.opId, (op) => `${op.state}|${op.id}|${op.type}|${op.baseVersion}`,
    buildQueueItem);
  $('queue-count').textContent = String(ops.length);
  show($('queue-empty'), ops.length === 0);
}

function setItemBusy(li, busy) {
  for (const button of li.querySelectorAll('button')) {
    button.disabled = busy;
    button.setAttribute('aria-busy', busy ? 'true' : 'false');
  }
  li.classList.toggle('busy', busy);
}

export async function onConflictClick(event) {
  const button = event.target.closest('button');
  const li = button && button.closest('li[data-op-id]');
  if (!li) return;
  let resolution;
  if (button.classList.contains('keep-server')) resolution = 'server';
  else if (button.classList.contains('keep-mine')) resolution = 'client';
  else return;
  const c = state.client;
  if (!c) return;
  const opId = Number(li.dataset.opId);
  setItemBusy(li, true);
  try {
    await c.resolveConflict(opId, resolution);
    if (c === state.client) toast(resolution === 'server' ? "Kept the server's version" : `Kept your version${offlineNote()}`);
  } catch (e) {
    if (c === state.client) reportError('Could not resolve the conflict', e);
  } finally {
    setItemBusy(li, false);
    if (c === state.client) {
      refreshOps();
      refreshList();
    }
  }
}

export async function onFailedClick(event) {
  const button = event.target.closest('button');
  const li = button && button.closest('li[data-op-id]');
  if (!li) return;
  const isRetry = button.classList.contains('retry');
  if (!isRetry && !button.classList.contains('discard')) return;
  const c = state.client;
  if (!c) return;
  const opId = Number(li.dataset.opId);
  setItemBusy(li, true);
  try {
    if (isRetry) {
      const newOpId = await c.requeue(opId);
      if (c === state.client) {
        toast(newOpId === null || newOpId === undefined ? 'That change is no longer in the queue'
          : `Queued again${offlineNote()}`);
      }
    } else {
      const dropped = await c.discard(opId);
      if (c === state.client) toast(dropped ? 'Change discarded' : 'That change is no longer in the queue');
    }
  } catch (e) {
    if (c === state.client) reportError(isRetry ? 'Could not queue the change again' : 'Could not discard the change', e);
  } finally {
    setItemBusy(li, false);
    if (c === state.client) {
      refreshOps();
      refreshList();
    }
  }
}
