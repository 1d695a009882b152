import { applyPatch, composePatches } from '/sdk/internal/merge-patch.js';
import { backoffDelay, parseRetryAfter } from '/sdk/internal/backoff.js';
import { equal, ok } from './assert.js';

// a small seeded generator, so a failing case can be replayed
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomPatch(r, depth = 0) {
  const patch = {};
  for (const key of ['a', 'b', 'c']) {
    const x = r();
    if (x < 0.25) continue;
    if (x < 0.45) patch[key] = null;
    else if (x < 0.65 && depth < 2) patch[key] = randomPatch(r, depth + 1);
    else if (x < 0.8) patch[key] = [Math.floor(r() * 3)];
    else patch[key] = Math.floor(r() * 5);
  }
  return patch;
}

export const tests = {
  'a merge patch sets, replaces and removes fields, recursing into objects'() {
    const target = { a: 1, b: { x: 1, y: 2 }, c: [1, 2], keep: true };
    const result = applyPatch(target, { a: 2, b: { x: null, z: 3 }, c: [3], d: { e: 1 } });
    equal(result, { a: 2, b: { y: 2, z: 3 }, c: [3], keep: true, d: { e: 1 } });
    equal(target, { a: 1, b: { x: 1, y: 2 }, c: [1, 2], keep: true }, 'the target is not changed');
  },
  'composing two patches has the effect of applying them in turn (300 random cases)'() {
    const r = rng(20261124);
    let composable = 0;
    for (let i = 0; i < 300; i++) {
      const target = randomPatch(r);
      const first = randomPatch(r);
      const second = randomPatch(r);
      const composed = composePatches(first, second);
      if (composed === null) continue;
      composable++;
      equal(applyPatch(target, composed), applyPatch(applyPatch(target, first), second), `case ${i}`);
    }
    ok(composable > 200, `most random pairs compose (${composable})`);
  },
  'a scalar then an object patch of one field has no single patch'() {
    equal(composePatches({ a: 1 }, { a: { b: 2 } }), null);
    equal(composePatches({ a: { b: 1 } }, { a: { c: 2 } }), { a: { b: 1, c: 2 } });
  },
  'backoff waits between half and all of base * 2^(n-1), capped'() {
    const r = rng(7);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const d = Math.min(300000, 2000 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const wait = backoffDelay(attempt, 2000, 300000, r);
        ok(wait >= d / 2 && wait <= d, `attempt ${attempt}: ${wait} in [${d / 2}, ${d}]`);
      }
    }
  },
  'Retry-After is read as seconds or as an HTTP date'() {
    const now = Date.parse('2026-11-24T10:00:00Z');
    equal(parseRetryAfter('120', now), 120000);
    equal(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now), 30000);
    equal(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now), 0, 'a date in the past: no wait');
    equal(parseRetryAfter('soon', now), null);
    equal(parseRetryAfter(null, now), null);
  },
};
