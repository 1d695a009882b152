// Outpost console: a record's history (GET /audit/records/{collection}/{id}/history, …/verify and …?version=|at=):
// every version and attempt as a timeline with field-level changes, the hash chain checked, the record as of a
// version or a time, and the shown history exported as JSON or CSV.
import { api, path } from './api.js';
import { diffFields } from './diff.js';
import { $, clear, compact, formatTime, h, row, show } from './dom.js';
import { csvRows, download, toCsv } from './export.js';
import { state } from './state.js';

/** Types that change the record (they carry a new version). */
const CHANGES = new Set(['create', 'update', 'delete']);

const TYPE_LABELS = {
  create: 'Created', update: 'Updated', delete: 'Deleted', unchanged: 'Unchanged (no difference)',
  conflict: 'Refused: conflict', rejected: 'Rejected', conflict_parked: 'Parked as a conflict',
  conflict_resolved: 'Conflict resolved',
};

/** Shows the history of the record the form names. */
export async function onHistorySubmit(event) {
  event.preventDefault();
  const collection = $('history-collection').value.trim();
  const id = $('history-id').value.trim();
  await showHistory(collection, id);
}

export async function showHistory(collection, id) {
  const base = `/audit/records/${path(collection, id)}`;
  const [entries, verify] = await Promise.all([api(`${base}/history`), api(`${base}/verify`)]);
  state.history = { collection, id, entries, verify };
  $('history-title').textContent = `${collection} / ${id}`;
  renderChain(verify);
  renderTimeline();
  renderAsOfChoices();
  show($('asof'), false);
  show($('history-result'), true);
}

/** The first event whose stored hash does not match, or null. */
function breakAt() {
  const v = state.history.verify;
  return v && !v.valid && v.mismatches && v.mismatches.length ? v.mismatches[0] : null;
}

/** 'ok', 'broken' (where the chain breaks) or 'suspect' (after the break: not verified). */
function chainState(entry) {
  const broken = breakAt();
  if (!broken) return 'ok';
  if (entry.sequence === broken.sequence) return 'broken';
  return entry.sequence > broken.sequence ? 'suspect' : 'ok';
}

function renderChain(verify) {
  const node = $('chain');
  const broken = !verify.valid && verify.mismatches && verify.mismatches.length ? verify.mismatches[0] : null;
  node.dataset.valid = String(!broken);
  node.textContent = broken
    ? `Hash chain broken at event ${broken.sequence} (${broken.eventId || 'unknown event'}): the stored event `
      + 'differs from what was recorded. It and every event after it are not verified.'
    : `Hash chain verified: all ${verify.events} stored events match what was recorded.`;
}

/** The data before `entry`: the state after the last change before it. */
function stateBefore(entry) {
  let data = null;
  for (const e of state.history.entries) {
    if (e === entry) break;
    if (CHANGES.has(e.type) || e.type === 'conflict_resolved') data = e.data;
  }
  return data;
}

function fieldTable(diffs) {
  const table = h('table', 'diff');
  table.append(row([h('th', null, 'Field'), h('th', null, 'Before'), h('th', null, 'After')]));
  for (const d of diffs) {
    const tr = row([h('td', 'field', d.field), h('td', 'before', d.kind === 'added' ? '—' : compact(d.before)),
      h('td', 'after', d.kind === 'removed' ? '—' : compact(d.after))], `diff-${d.kind}`);
    tr.dataset.field = d.field;
    table.append(tr);
  }
  return table;
}

function marks(entry) {
  const list = [];
  const d = entry.details || {};
  const rc = entry.resolvedConflict;
  if (rc) {
    list.push(['auto', `Conflict resolved automatically (${rc.strategy}): based on version ${rc.baseVersion}`
      + (rc.overwrittenVersion ? `, overwrote version ${rc.overwrittenVersion}` : '')
      + (rc.fields && rc.fields.length ? `; fields ${rc.fields.join(', ')}` : '')]);
  }
  if (entry.type === 'conflict_parked') {
    list.push(['parked', `Parked for a person to decide (conflict ${d.conflictId}), based on version `
      + `${d.baseVersion}${d.fields && d.fields.length ? `; fields ${d.fields.join(', ')}` : ''}`]);
  }
  if (entry.type === 'conflict') {
    list.push(['refused', `Refused by the ${d.strategy || 'collection\'s'} strategy: based on version `
      + `${d.baseVersion}${d.fields && d.fields.length ? `; fields ${d.fields.join(', ')}` : ''}`]);
  }
  if (entry.type === 'rejected') list.push(['rejected', `Rejected: ${d.code}${d.message ? ` — ${d.message}` : ''}`]);
  if (entry.type === 'conflict_resolved') {
    list.push(['resolved', `Conflict ${d.conflictId} resolved by ${d.resolvedBy || 'someone'} with the `
      + `${d.resolution} version`]);
  }
  if (entry.type === 'unchanged' && d.reason) list.push(['unchanged', d.reason]);
  return list;
}

function buildEntry(entry) {
  const li = h('li', 'entry');
  li.dataset.type = entry.type;
  li.dataset.version = String(entry.version);
  li.dataset.sequence = String(entry.sequence);
  const chain = chainState(entry);
  li.dataset.chain = chain;
  const head = h('div', 'entry-head');
  head.append(h('span', `badge type-${entry.type}`, TYPE_LABELS[entry.type] || entry.type),
    h('span', 'version', CHANGES.has(entry.type) ? `version ${entry.version}` : `at version ${entry.version}`));
  if (chain === 'broken') head.append(h('span', 'badge chain-broken', 'Hash chain breaks here'));
  if (chain === 'suspect') head.append(h('span', 'badge chain-suspect', 'Not verified (after the break)'));
  li.append(head);
  const who = h('dl', 'who');
  for (const [label, value] of [['User', entry.userId], ['Device', entry.deviceId], ['Op', entry.opId],
    ['Client time', formatTime(entry.clientTimestamp)], ['Server time', formatTime(entry.recordedAt)]]) {
    who.append(h('dt', null, label), h('dd', null, value === null || value === undefined ? '—' : value));
  }
  li.append(who);
  for (const [kind, text] of marks(entry)) li.append(h('p', `mark mark-${kind}`, text));
  const before = stateBefore(entry);
  let diffs = [];
  if (CHANGES.has(entry.type) || entry.type === 'conflict_resolved') {
    diffs = diffFields(before, entry.data);
  } else if (entry.details && entry.details.attempt && typeof entry.details.attempt === 'object') {
    const attempt = entry.details.attempt; // the op's data (create) or merge patch (update)
    li.append(h('p', 'muted', 'The attempted change (not applied):'));
    diffs = diffFields(before, { ...(before || {}), ...attempt });
  }
  if (diffs.length) li.append(fieldTable(diffs));
  else if (CHANGES.has(entry.type)) li.append(h('p', 'muted', 'No field changed.'));
  return li;
}

function renderTimeline() {
  const list = $('timeline');
  clear(list);
  for (const entry of state.history.entries) list.append(buildEntry(entry));
}

function renderAsOfChoices() {
  const select = $('asof-version');
  clear(select);
  select.append(new Option('—', ''));
  for (const e of state.history.entries) {
    if (CHANGES.has(e.type)) select.append(new Option(`${e.version} (${formatTime(e.recordedAt)})`, String(e.version)));
  }
  $('asof-time').value = '';
}

/** GET …?version=N or ?at=<time>: the record as it was. */
export async function onAsOf() {
  const { collection, id } = state.history;
  const version = $('asof-version').value;
  const time = $('asof-time').value;
  if (!version && !time) return;
  const query = version ? `version=${encodeURIComponent(version)}`
    : `at=${encodeURIComponent(new Date(time).toISOString())}`;
  const found = await api(`/audit/records/${path(collection, id)}?${query}`);
  $('asof-title').textContent = `As of version ${found.version} (${formatTime(found.updatedAt)}, by `
    + `${found.updatedBy || '—'})${found.deleted ? ': deleted' : ''}`;
  const table = $('asof-fields');
  clear(table);
  const data = found.data || {};
  for (const key of Object.keys(data).sort()) {
    const tr = row([h('th', null, key), h('td', null, compact(data[key]))]);
    tr.dataset.field = key;
    table.append(tr);
  }
  $('asof').dataset.version = String(found.version);
  show($('asof'), true);
}

function fileName(ext) {
  const { collection, id } = state.history;
  return `history-${collection}-${id}.${ext}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function onExportJson() {
  const { collection, id, entries, verify } = state.history;
  download(fileName('json'), 'application/json', `${JSON.stringify({ collection, id, verify, history: entries },
    null, 2)}\n`);
}

export function onExportCsv() {
  download(fileName('csv'), 'text/csv', toCsv(csvRows(state.history.entries, stateBefore, chainState)));
}
