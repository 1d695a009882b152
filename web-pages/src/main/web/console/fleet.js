// Outpost console: fleet and health for admins. The tenant's figures (GET /admin/stats), its devices
// (GET /admin/devices), charts over time from the server's stored samples (GET /admin/stats/history), the
// projections with a rebuild and its progress (GET /admin/projections, POST /admin/projections/rebuild) and the
// tenant's security events (GET /admin/security-events).
import { api } from './api.js';
import { lineChart } from './charts.js';
import { $, clear, formatTime, h, percent, row, show } from './dom.js';
import { state } from './state.js';

const REBUILD_POLL_MS = 1000;
const SECURITY_EVENTS_SHOWN = 50;

/** Reads everything anew; the view's `data-loaded` is then the charts' window in minutes (tests wait for it). */
export async function refreshFleet() {
  const view = $('view-fleet');
  delete view.dataset.loaded;
  await Promise.all([renderStats(), renderDevices(), renderCharts(), renderProjections(), renderSecurityEvents()]);
  view.dataset.loaded = $('chart-minutes').value;
}

function figures(dl, pairs) {
  clear(dl);
  for (const [key, label, value] of pairs) {
    const dt = h('dt', null, label);
    const dd = h('dd', null, value);
    dd.dataset.figure = key;
    dl.append(dt, dd);
  }
}

async function renderStats() {
  const s = await api('/admin/stats');
  const o = s.operations;
  const all = o.applied + o.merged + o.conflicts + o.rejected;
  figures($('tenant-stats'), [
    ['devices', 'Devices', s.devices], ['records', 'Records', s.records],
    ['applied', 'Applied', o.applied], ['merged', 'Merged', o.merged], ['conflicts', 'Conflicts', o.conflicts],
    ['rejected', 'Rejected', o.rejected], ['duplicates', 'Duplicates', o.duplicates],
    ['successRate', 'Success rate', percent(all ? (o.applied + o.merged) / all : null)],
    ['openConflicts', 'Open conflicts', s.openConflicts],
    ['projectionLag', 'Projection lag', `${Math.max(0, s.projectionLag.events)} events`],
  ]);
}

async function renderDevices() {
  const answer = await api('/admin/devices');
  const body = $('devices').querySelector('tbody');
  clear(body);
  for (const d of answer.devices) {
    const o = d.operations;
    const tr = row([d.userId, d.deviceId, formatTime(d.lastPushAt), formatTime(d.lastPullAt),
      d.pendingOps === null ? 'not reported' : String(d.pendingOps), percent(d.successRate),
      `${o.applied + o.merged + o.conflicts + o.rejected}`, String(d.openConflicts),
      d.revokedAt ? `revoked ${formatTime(d.revokedAt)}` : 'active']);
    tr.dataset.deviceId = d.deviceId;
    if (d.openConflicts > 0) tr.classList.add('has-conflicts');
    body.append(tr);
  }
  if (!answer.devices.length) body.append(row([h('td', 'muted', 'No device has synced in this tenant yet.')]));
  renderUsers(answer.devices);
}

/** The devices per user: how many, the latest push and pull, their ops together, open conflicts. */
function renderUsers(devices) {
  const byUser = new Map();
  for (const d of devices) {
    const u = byUser.get(d.userId) || { userId: d.userId, devices: 0, lastPushAt: null, lastPullAt: null,
      good: 0, all: 0, openConflicts: 0 };
    const o = d.operations;
    u.devices += 1;
    if (d.lastPushAt && (!u.lastPushAt || d.lastPushAt > u.lastPushAt)) u.lastPushAt = d.lastPushAt;
    if (d.lastPullAt && (!u.lastPullAt || d.lastPullAt > u.lastPullAt)) u.lastPullAt = d.lastPullAt;
    u.good += o.applied + o.merged;
    u.all += o.applied + o.merged + o.conflicts + o.rejected;
    u.openConflicts += d.openConflicts;
    byUser.set(d.userId, u);
  }
  const body = $('users').querySelector('tbody');
  clear(body);
  for (const u of byUser.values()) {
    const tr = row([u.userId, String(u.devices), formatTime(u.lastPushAt), formatTime(u.lastPullAt),
      percent(u.all ? u.good / u.all : null), String(u.all), String(u.openConflicts)]);
    tr.dataset.userId = u.userId;
    body.append(tr);
  }
}

async function renderCharts() {
  const minutes = $('chart-minutes').value;
  const answer = await api(`/admin/stats/history?minutes=${encodeURIComponent(minutes)}`);
  const from = Date.parse(answer.from);
  const to = Date.parse(answer.to);
  const perMinute = 60 / Math.max(1, answer.intervalSeconds);
  const samples = answer.samples.map((s) => ({ ...s, t: Date.parse(s.at) }));
  const ops = (key) => samples.map((s) => ({ t: s.t, v: s.operations ? s.operations[key] * perMinute : null }));
  lineChart($('chart-ops'), [
    { name: 'applied', className: 's-applied', points: ops('applied') },
    { name: 'merged', className: 's-merged', points: ops('merged') },
    { name: 'conflicts', className: 's-conflicts', points: ops('conflicts') },
    { name: 'rejected', className: 's-rejected', points: ops('rejected') },
  ], from, to);
  lineChart($('chart-lag'), [{ name: 'lag', className: 's-lag', points: samples.map((s) => ({ t: s.t,
    v: s.projectionLag.events < 0 ? null : s.projectionLag.events })) }], from, to);
  lineChart($('chart-latency'), [{ name: 'latency', className: 's-latency',
    points: samples.map((s) => ({ t: s.t, v: s.pushLatencyMs })) }], from, to);
}

function renderRebuild(status) {
  const progress = $('rebuild-progress');
  const busy = status.state === 'RUNNING' || status.state === 'SWITCHING';
  progress.max = Math.max(1, status.total);
  progress.value = status.processed;
  show(progress, busy || status.state === 'DONE');
  $('rebuild').disabled = busy;
  $('rebuild').dataset.state = status.state;
  const words = {
    IDLE: 'No rebuild since this node started.',
    RUNNING: `Rebuilding: ${status.processed} of ${status.total} events.`,
    SWITCHING: 'Switching to the rebuilt tables…',
    DONE: `Rebuilt ${status.total} events${status.finishedAt ? `, finished ${formatTime(status.finishedAt)}` : ''}.`,
    FAILED: `The rebuild failed: ${status.error || 'unknown error'}.`,
  };
  $('rebuild-text').textContent = words[status.state] || status.state;
  return busy;
}

async function renderProjections() {
  const p = await api('/admin/projections');
  figures($('projection'), [
    ['feed', 'Feed', p.feed.name], ['runsOnThisNode', 'Runs on this node', p.feed.runsOnThisNode ? 'yes' : 'no'],
    ['eventsBehind', 'Events behind', p.feed.runsOnThisNode ? p.feed.eventsBehind : '—'],
    ['secondsBehind', 'Seconds behind', p.feed.runsOnThisNode ? p.feed.secondsBehind.toFixed(1) : '—'],
  ]);
  if (renderRebuild(p.rebuild)) scheduleRebuildPoll();
}

function scheduleRebuildPoll() {
  if (state.rebuildPoll) return;
  state.rebuildPoll = setTimeout(async () => {
    state.rebuildPoll = 0;
    if (state.view !== 'fleet' || !state.session) return;
    try {
      await renderProjections();
    } catch (e) {
      $('rebuild-text').textContent = `Could not read the rebuild's progress: ${e.message}`;
    }
  }, REBUILD_POLL_MS);
}

/** The first click arms the button (it asks to be clicked again), the second within 10 s starts the rebuild. */
export async function onRebuild() {
  const button = $('rebuild');
  if (button.dataset.armed !== 'true') {
    button.dataset.armed = 'true';
    button.textContent = 'Rebuild every tenant: click again';
    setTimeout(() => disarm(button), 10000);
    return;
  }
  disarm(button);
  button.disabled = true;
  try {
    renderRebuild(await api('/admin/projections/rebuild', { method: 'POST' }));
  } catch (e) {
    $('rebuild-text').textContent = e.code === 'conflict' ? 'A rebuild is already running.'
      : `Could not start the rebuild: ${e.message}`;
  }
  await renderProjections();
}

function disarm(button) {
  button.dataset.armed = 'false';
  button.textContent = 'Rebuild read model';
}

async function renderSecurityEvents() {
  const events = [];
  let after = 0;
  for (let page = 0; page < 20; page++) {
    const answer = await api(`/admin/security-events?limit=1000${after ? `&after=${after}` : ''}`);
    events.push(...answer.events);
    if (answer.next === undefined || answer.next === null) break;
    after = answer.next;
  }
  const shown = events.slice(-SECURITY_EVENTS_SHOWN).reverse();
  const body = $('security-events').querySelector('tbody');
  clear(body);
  for (const e of shown) {
    const tr = row([formatTime(e.at), e.type, e.userId || '—', e.deviceId || '—', e.address || '—',
      e.endpoint || '—', e.reason || '']);
    tr.dataset.type = e.type;
    body.append(tr);
  }
  show($('security-none'), !shown.length);
}
