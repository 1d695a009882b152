// Outpost console: the shown history as a file, JSON (the entries as the server gave them) or CSV (one line per
// entry, the change as `field: before → after` pairs).
import { diffFields } from './diff.js';
import { compact } from './dom.js';

export const CSV_COLUMNS = ['version', 'type', 'recordedAt', 'clientTimestamp', 'userId', 'deviceId', 'opId',
  'eventId', 'sequence', 'chain', 'changes', 'data'];

function csvCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows) {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n')
    + '\r\n';
}

/** One line per history entry; `chainState(entry)` is 'ok', 'broken' or 'suspect'. */
export function csvRows(entries, previousData, chainState) {
  return entries.map((e) => ({
    version: e.version, type: e.type, recordedAt: e.recordedAt, clientTimestamp: e.clientTimestamp, userId: e.userId,
    deviceId: e.deviceId, opId: e.opId, eventId: e.eventId, sequence: e.sequence, chain: chainState(e),
    changes: diffFields(previousData(e), e.data).map((d) => `${d.field}: ${d.kind === 'added' ? '—' : compact(d.before)} → `
      + `${d.kind === 'removed' ? '—' : compact(d.after)}`)
      .join('; '),
    data: e.data === null ? '' : JSON.stringify(e.data),
  }));
}

/** Offers `text` as a download named `name`. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
