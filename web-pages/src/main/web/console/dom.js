// Outpost console: small DOM and formatting helpers. Every server value goes into textContent, never into HTML.

export const $ = (id) => document.getElementById(id);

/** An element with a class and a text. */
export function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function show(node, visible) {
  node.hidden = !visible;
}

export function clear(node) {
  node.replaceChildren();
}

/** A time in the reader's locale with seconds, or a dash. */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

/** A JSON value in one line, for a cell. */
export function compact(value) {
  if (value === undefined) return '';
  if (value === null) return 'null';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function percent(rate) {
  if (rate === null || rate === undefined) return '—';
  const value = Math.round(rate * 1000) / 10;
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)} %`;
}

/** A row of cells. */
export function row(cells, className) {
  const tr = h('tr', className);
  for (const c of cells) tr.append(c instanceof Node ? c : h('td', null, c));
  return tr;
}
