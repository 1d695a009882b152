// Outpost console: the conflicts queue (GET /conflicts?status=open|resolved&collection=): each parked op with its
// client and server data field by field, resolved by the server's version, the client's, or an edited custom one
// (POST /conflicts/{id}/resolve); resolved ones with who resolved them and how.
import { api, path, ProblemError } from './api.js';
import { compareFields } from './diff.js';
import { $, clear, compact, formatTime, h, row, show } from './dom.js';
import { state } from './state.js';

const RESOLUTION_WORDS = { server: "the server's version", client: "the device's version", custom: 'an edited version' };

export async function refreshConflicts() {
  const status = $('conflict-status').value;
  const collection = $('conflict-collection').value.trim();
  const query = new URLSearchParams({ status });
  if (collection) query.set('collection', collection);
  const answer = await api(`/conflicts?${query}`);
  if (status === 'open') {
    const listed = new Set(answer.map((c) => c.conflictId));
    for (const id of [...state.resolvedHere]) if (!listed.has(id)) state.resolvedHere.delete(id);
  }
  const list = status === 'open' ? answer.filter((c) => !state.resolvedHere.has(c.conflictId)) : answer;
  state.conflicts = new Map(list.map((c) => [c.conflictId, c]));
  $('conflict-count').textContent = list.length === 1 ? '1 conflict' : `${list.length} conflicts`;
  const ul = $('conflict-list');
  clear(ul);
  if (!list.length) ul.append(h('li', 'empty muted', status === 'open' ? 'No open conflicts.' : 'None resolved yet.'));
  for (const c of list) ul.append(buildConflict(c));
}

function buildConflict(c) {
  const li = h('li', 'card conflict');
  li.dataset.conflictId = c.conflictId;
  li.dataset.status = c.status;
  const head = h('div', 'entry-head');
  head.append(h('strong', null, `${c.collection} / ${c.id}`),
    h('span', 'muted', `device ${c.deviceId || '—'} · user ${c.userId || '—'} · op ${c.opId} · ${formatTime(c.createdAt)}`));
  li.append(head);
  li.append(h('p', 'muted', `The device changed version ${c.baseVersion}; the server had version ${c.serverVersion}.`
    + (c.fields && c.fields.length ? ` Fields in conflict: ${c.fields.join(', ')}.` : '')));
  const table = h('table', 'compare');
  table.append(row([h('th', null, 'Field'), h('th', null, 'Server'), h('th', null, "Device's change")]));
  const conflicting = new Set(c.fields || []);
  for (const f of compareFields(c.serverData, c.clientData)) {
    const tr = row([h('td', 'field', f.field), h('td', 'server', f.left === undefined ? '—' : compact(f.left)),
      h('td', f.inRight ? 'client' : 'client unchanged', f.inRight ? compact(f.right) : 'not in the change')],
    f.differs ? (conflicting.has(f.field) ? 'differs in-conflict' : 'differs') : '');
    tr.dataset.field = f.field;
    table.append(tr);
  }
  li.append(table);
  if (c.status === 'resolved' && c.resolution) {
    const r = c.resolution;
    li.append(historyButton());
    li.append(h('p', 'mark mark-resolved', `Resolved by ${r.resolvedBy || '—'} with ${RESOLUTION_WORDS[r.resolution]
      || r.resolution}${r.version ? ` (version ${r.version})` : ''}${r.resolvedAt ? `, ${formatTime(r.resolvedAt)}` : ''}.`));
    return li;
  }
  const actions = h('div', 'row actions');
  const server = h('button', 'resolve', 'Keep server version');
  server.type = 'button';
  server.dataset.resolution = 'server';
  const client = h('button', 'resolve', 'Take device version');
  client.type = 'button';
  client.dataset.resolution = 'client';
  const edit = h('button', 'edit', 'Edit a version…');
  edit.type = 'button';
  actions.append(server, client, edit, historyButton());
  li.append(actions);
  const editor = h('div', 'editor');
  editor.hidden = true;
  const label = h('label', null, 'The version to keep (JSON):');
  const area = h('textarea', 'custom-data');
  area.id = `custom-${c.conflictId}`;
  label.htmlFor = area.id;
  area.rows = 6;
  area.spellcheck = false;
  area.value = JSON.stringify({ ...(c.serverData || {}), ...(c.clientData || {}) }, null, 2);
  const save = h('button', 'resolve primary', 'Resolve with this version');
  save.type = 'button';
  save.dataset.resolution = 'custom';
  editor.append(label, area, save);
  li.append(editor);
  li.append(h('p', 'error item-error', ''));
  li.lastChild.hidden = true;
  return li;
}

/** Opens the record's history (main.js listens for 'console:history'). */
function historyButton() {
  const button = h('button', 'show-history link', 'Record history');
  button.type = 'button';
  return button;
}

function itemError(li, message) {
  const p = li.querySelector('.item-error');
  p.textContent = message;
  p.hidden = !message;
}

export async function onConflictClick(event) {
  const button = event.target.closest('button');
  const li = event.target.closest('li.conflict');
  if (!button || !li) return;
  if (button.classList.contains('show-history')) {
    const c = state.conflicts.get(li.dataset.conflictId);
    document.dispatchEvent(new CustomEvent('console:history', { detail: { collection: c.collection, id: c.id } }));
    return;
  }
  if (button.classList.contains('edit')) {
    const editor = li.querySelector('.editor');
    editor.hidden = !editor.hidden;
    return;
  }
  if (!button.classList.contains('resolve')) return;
  const resolution = button.dataset.resolution;
  const body = { resolution };
  if (resolution === 'custom') {
    try {
      body.data = JSON.parse(li.querySelector('.custom-data').value);
    } catch (e) {
      itemError(li, `That is not valid JSON: ${e.message}`);
      return;
    }
    if (body.data === null || typeof body.data !== 'object' || Array.isArray(body.data)) {
      itemError(li, 'The version must be a JSON object.');
      return;
    }
  }
  itemError(li, '');
  for (const b of li.querySelectorAll('button')) b.disabled = true;
  try {
    await api(`/conflicts/${path(li.dataset.conflictId)}/resolve`, { method: 'POST', body });
  } catch (e) {
    for (const b of li.querySelectorAll('button')) b.disabled = false;
    if (e instanceof ProblemError && e.code === 'conflict_already_resolved') {
      itemError(li, 'Someone resolved it meanwhile.');
    } else {
      itemError(li, `Could not resolve it: ${e.message}`);
    }
    return;
  }
  state.resolvedHere.add(li.dataset.conflictId);
  await refreshConflicts();
}
