// Outpost console: small SVG line charts (no library, no inline styles: the page's CSP allows its own CSS only;
// colours come from console.css by series class).
import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 48, right: 12, top: 10, bottom: 24 };

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

function timeLabel(ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/**
 * Draws `series` (`[{name, className, points: [{t: ms, v: number|null}]}]`) over [from, to] into `figure`, after its
 * caption; a point with v null is a gap. The figure's `data-points` is the number of points drawn (for tests).
 */
export function lineChart(figure, series, from, to) {
  for (const old of figure.querySelectorAll('svg, .legend, .chart-empty')) old.remove();
  const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null && v !== undefined);
  figure.dataset.points = String(values.length);
  figure.dataset.max = values.length ? String(Math.max(...values)) : '';
  if (!values.length) {
    figure.append(h('p', 'chart-empty muted', 'No samples in this period yet.'));
    return;
  }
  const max = niceMax(Math.max(...values));
  const x = (t) => PAD.left + ((t - from) / Math.max(1, to - from)) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);
  const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart-svg' });
  svg.append(el('title', {}, figure.querySelector('figcaption').textContent));
  for (const f of [0, 0.5, 1]) {
    svg.append(el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(max * f), y2: y(max * f), class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 6, y: y(max * f) + 4, class: 'axis', 'text-anchor': 'end' },
      String(Math.round(max * f * 100) / 100)));
  }
  svg.append(el('text', { x: PAD.left, y: HEIGHT - 6, class: 'axis' }, timeLabel(from)));
  svg.append(el('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, class: 'axis', 'text-anchor': 'end' }, timeLabel(to)));
  for (const s of series) {
    let run = [];
    const flush = () => {
      if (run.length === 1) svg.append(el('circle', { cx: run[0][0], cy: run[0][1], r: 2.5, class: `dot ${s.className}` }));
      if (run.length > 1) {
        svg.append(el('polyline', { points: run.map((p) => p.join(',')).join(' '), class: `line ${s.className}` }));
      }
      run = [];
    };
    for (const p of s.points) {
      if (p.v === null || p.v === undefined) flush();
      else run.push([x(p.t).toFixed(1), y(p.v).toFixed(1)]);
    }
    flush();
  }
  figure.append(svg);
  if (series.length > 1) {
    const legend = h('ul', 'legend');
    for (const s of series) legend.append(h('li', s.className, s.name));
    figure.append(legend);
  }
}
