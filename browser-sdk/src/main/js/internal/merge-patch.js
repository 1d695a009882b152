// JSON Merge Patch (RFC 7396) as the server applies it, and the composition of two patches.

import { clone } from './platform.js';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A deep copy of a JSON value. */
export function copy(value) {
  return clone(value);
}

/** `target` with `patch` applied; neither argument is changed. */
export function applyPatch(target, patch) {
  const result = isObject(target) ? copy(target) : {};
  applyInPlace(result, patch);
  return result;
}

function applyInPlace(target, patch) {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (isObject(value)) {
      const child = isObject(target[key]) ? target[key] : {};
      applyInPlace(child, value);
      target[key] = child;
    } else {
      target[key] = copy(value);
    }
  }
}

/**
 * One patch with the effect of `first` then `second` on any target, or null when there is none (a field that
 * `first` sets to a non-object and `second` patches as an object).
 */
export function composePatches(first, second) {
  const result = copy(first);
  for (const [key, later] of Object.entries(second)) {
    const earlier = result[key];
    if (isObject(later) && earlier !== undefined) {
      if (!isObject(earlier)) return null;
      const nested = composePatches(earlier, later);
      if (nested === null) return null;
      result[key] = nested;
    } else {
      result[key] = copy(later);
    }
  }
  return result;
}

export { isObject };
