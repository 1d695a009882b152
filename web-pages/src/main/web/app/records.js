// Sync Control: records.
import { state } from './state.js';
import { $ } from './constants.js';
import {
  capitalize,
  learnLooseFields,
  nameFields,
  readable,
  recordName,
  recordNoun,
  referenceTargets,
  selectCollection,
  writable,
} from './fields.js';
import { fillReferenceOptions, renderFormFields, startEdit, stopEdit } from './form.js';
import { coalesce, compactJson, display, formatTime, h, show } from './helpers.js';
import { offlineNote, reportError, toast } from './messages.js';
import { refreshOps } from './queue.js';

export const refreshList = coalesce(async () => {
  const c = state.client;
  const shown = state.current;
  if (!c || !shown) return;
  const gen = state.sessionGen;
  const [records, queued] = await Promise.all([c.records(shown.name).list(), c.pendingOps()]);
  if (gen !== state.sessionGen || shown !== state.current) return;
  // the newest unsent change of each record, for the order of records without a date field
  const changedAt = new Map();
  for (const op of queued) {
    if (op.collection !== shown.name) continue;
    const at = op.clientTimestamp || '';
    if (!changedAt.has(op.id) || changedAt.get(op.id) < at) changedAt.set(op.id, at);
  }
  if (learnLooseFields(records)) {
    renderFormFields();
    renderHeader();
  }
  renderRecords(sortRecords(records, changedAt));
}, 'Could not load the records');

export const refreshReferenced = coalesce(async () => {
  const c = state.client;
  const shown = state.current;
  if (!c || !shown) return;
  const gen = state.sessionGen;
  const targets = referenceTargets();
  const lists = await Promise.all(targets.map((t) => c.records(t).list()));
  if (gen !== state.sessionGen || shown !== state.current) return;
  state.referenced.clear();
  targets.forEach((t, i) => state.referenced.set(t, new Map(lists[i].map((r) => [r.id, r]))));
  fillReferenceOptions();
  if (targets.length) refreshList();
}, 'Could not load the referenced records');

/** The date-time field records are ordered by, newest first (the required one first), or null. */
function orderField() {
  const dates = state.current.fields.filter((f) => f.kind === 'datetime');
  return dates.find((f) => f.required) || dates[0] || null;
}

/**
 * Newest first by the collection's date-time field when it has one; otherwise records with unsent changes first
 * (newest change first), then by name. The SDK keeps no server timestamps per record.
 */
function sortRecords(records, changedAt) {
  const by = orderField();
  const names = new Map(records.map((r) => [r.id, recordName(state.current.name, r)]));
  const byName = (a, b) => names.get(a.id).localeCompare(names.get(b.id), undefined, { numeric: true })
    || a.id.localeCompare(b.id);
  let note;
  let sorted;
  if (by) {
    const time = (r) => {
      const t = Date.parse(r.data ? r.data[by.name] : '');
      return Number.isNaN(t) ? -Infinity : t;
    };
    sorted = [...records].sort((a, b) => time(b) - time(a) || byName(a, b));
    note = `Newest first, by ${by.label}.`;
  } else {
    const at = (r) => changedAt.get(r.id) || '';
    sorted = [...records].sort((a, b) => {
      const pa = at(a);
      const pb = at(b);
      if (pa !== pb) return pa < pb ? 1 : -1; // '' (nothing unsent) sorts last
      return byName(a, b);
    });
    const named = nameFields(state.current.fields)[0];
    note = `Not synced yet first (newest change first), then A–Z by ${named ? named.label : 'record ID'}.`;
  }
  $('records-order').textContent = note;
  return sorted;
}

function columns() {
  return state.current ? state.current.fields : [];
}

/** The table's head follows the fields; rows are rebuilt when the columns change. */
export function renderHeader() {
  const table = $('records');
  const cols = columns();
  const key = `${state.current ? state.current.name : ''}|${writable()}|${cols.map((f) => `${f.name}:${f.kind}:${f.label}`).join(',')}`;
  if (table.dataset.columns === key) return;
  table.dataset.columns = key;
  const row = table.tHead.rows[0];
  const cells = cols.map((f) => {
    const th = h('th', f.kind === 'number' || f.kind === 'integer' ? 'num' : '', f.label);
    th.scope = 'col';
    th.dataset.field = f.name;
    if (f.description) th.title = f.description;
    return th;
  });
  const version = h('th', 'num', 'Version');
  version.title = 'The server version of the record; "not synced yet" until the server has confirmed it';
  const status = h('th', '', 'Status');
  status.title = 'pending: changed on this device, not on the server yet';
  cells.unshift(status); // first: a wide table scrolls, the sync state stays in sight
  cells.push(version);
  if (writable()) {
    const actions = h('th', 'c-actions');
    actions.append(h('span', 'sr-only', 'Actions'));
    cells.push(actions);
  }
  for (const th of cells) if (!th.scope) th.scope = 'col';
  row.replaceChildren(...cells);
  table.tBodies[0].replaceChildren();
}

function createRow() {
  const tr = document.createElement('tr');
  const statusCell = h('td', 'c-status');
  statusCell.dataset.label = 'Status';
  tr.append(statusCell);
  columns().forEach((f, i) => {
    const td = h('td', `c-field${i === 0 ? ' c-first' : ''}${f.kind === 'number' || f.kind === 'integer' ? ' num' : ''}`);
    td.dataset.field = f.name;
    td.dataset.label = f.label;
    tr.append(td);
  });
  const version = h('td', 'c-version num');
  version.dataset.label = 'Version';
  tr.append(version);
  if (writable()) {
    const actions = h('td', 'c-actions');
    const edit = h('button', 'btn small edit', 'Edit');
    edit.type = 'button';
    const del = h('button', 'btn small danger-outline delete', 'Delete');
    del.type = 'button';
    actions.append(edit, del);
    tr.append(actions);
  }
  return tr;
}

/** A value in a list cell: `{text, title}`. */
function cellText(field, value) {
  if (value === undefined || value === null) return { text: '', title: '' };
  if (field.kind === 'reference') {
    const record = (state.referenced.get(field.ref) || new Map()).get(String(value));
    const text = record ? recordName(field.ref, record) : String(value);
    return { text, title: `${readable(field.ref)} record ${value}` };
  }
  if (field.kind === 'datetime' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) {
    return { text: formatTime(value), title: value };
  }
  const text = display(value);
  const full = typeof value === 'object' ? compactJson(value) : text;
  return { text, title: full };
}

function updateRow(tr, record) {
  tr.dataset.id = record.id;
  tr.dataset.pending = String(Boolean(record.pending));
  tr.dataset.version = String(record.version);
  const data = record.data || {};
  const cols = columns();
  [...tr.querySelectorAll('td.c-field')].forEach((td, i) => {
    const { text, title } = cellText(cols[i], data[cols[i].name]);
    if (td.textContent !== text) td.textContent = text;
    td.title = title;
  });
  const version = tr.querySelector('.c-version');
  const confirmed = record.version > 0;
  const versionText = confirmed ? String(record.version) : 'not synced yet';
  if (version.textContent !== versionText) version.textContent = versionText;
  version.classList.toggle('not-synced', !confirmed);
  version.title = confirmed ? `Server version ${record.version}` : 'The server has not confirmed this record yet';

  const statusCell = tr.querySelector('.c-status');
  const wanted = record.pending ? 'pending' : 'synced';
  if (statusCell.dataset.shows !== wanted) {
    statusCell.dataset.shows = wanted;
    statusCell.replaceChildren(record.pending
      ? h('span', 'pill pending', 'pending')
      : h('span', 'synced-mark', 'synced'));
    statusCell.title = record.pending ? 'Changed on this device; not on the server yet' : 'As on the server';
  }
  const name = recordName(state.current.name, record);
  const edit = tr.querySelector('.edit');
  if (edit) {
    edit.setAttribute('aria-label', `Edit ${name}`);
    tr.querySelector('.delete').setAttribute('aria-label', `Delete ${name}`);
  }
  tr.classList.toggle('editing', Boolean(state.editing && state.editing.id === record.id));
}

function renderRecords(records) {
  const tbody = $('records').tBodies[0];
  state.recordsById.clear();
  for (const record of records) state.recordsById.set(record.id, record);

  const rows = new Map();
  for (const tr of [...tbody.rows]) {
    if (state.recordsById.has(tr.dataset.id)) rows.set(tr.dataset.id, tr);
    else tr.remove();
  }
  records.forEach((record, i) => {
    const tr = rows.get(record.id) || createRow();
    updateRow(tr, record);
    if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
  });

  $('record-count').textContent = String(records.length);
  const empty = $('records-empty');
  empty.textContent = `No ${readable(state.current.name).toLowerCase()} on this device yet.`
    + (writable() ? ' Add the first one above.' : '');
  show(empty, records.length === 0);
  show($('records-order'), records.length > 0);
  show($('records').closest('.table-wrap'), records.length > 0);

  if (state.editing && !state.recordsById.has(state.editing.id)) {
    stopEdit();
    toast(`The ${recordNoun(state.current.name, state.current.schema)} being edited was deleted`, 'error');
  }
}

export async function onRecordsClick(event) {
  const button = event.target.closest('button');
  if (!button) return;
  const tr = button.closest('tr[data-id]');
  if (!tr) return;
  const id = tr.dataset.id;
  if (button.classList.contains('edit')) {
    startEdit(id);
    return;
  }
  if (!button.classList.contains('delete')) return;
  const c = state.client;
  const shown = state.current;
  if (!c || !shown) return;
  const noun = recordNoun(shown.name, shown.schema);
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await c.records(shown.name).delete(id);
    if (c !== state.client) return;
    if (state.editing && state.editing.id === id) stopEdit();
    toast(`${capitalize(noun)} deleted${offlineNote()}`);
  } catch (e) {
    if (c === state.client) reportError(`Could not delete the ${noun}`, e);
  } finally {
    button.disabled = false;
    button.setAttribute('aria-busy', 'false');
    if (c === state.client) {
      refreshList();
      refreshOps();
    }
  }
}

export function onCollectionChange() {
  const name = $('collection').value;
  if (!state.current || name === state.current.name) return;
  if (state.editing) toast('The unsaved edit was left');
  selectCollection(name, true);
}
