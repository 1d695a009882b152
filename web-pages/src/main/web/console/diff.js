// Outpost console: field-level differences between two versions of a record's data. Nested objects are compared
// field by field (paths like `dose.mg`); arrays and other values as a whole.

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `[{field, kind: 'added'|'removed'|'changed', before, after}]` from `before` to `after` (either may be null: a
 * create or a delete), ordered by field.
 */
export function diffFields(before, after, prefix = '') {
  const out = [];
  const a = isObject(before) ? before : {};
  const b = isObject(after) ? after : {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const key of keys) {
    const field = prefix ? `${prefix}.${key}` : key;
    const inA = Object.prototype.hasOwnProperty.call(a, key);
    const inB = Object.prototype.hasOwnProperty.call(b, key);
    if (inA && inB && isObject(a[key]) && isObject(b[key])) {
      out.push(...diffFields(a[key], b[key], field));
    } else if (!inA) {
      out.push({ field, kind: 'added', before: undefined, after: b[key] });
    } else if (!inB) {
      out.push({ field, kind: 'removed', before: a[key], after: undefined });
    } else if (!same(a[key], b[key])) {
      out.push({ field, kind: 'changed', before: a[key], after: b[key] });
    }
  }
  return out;
}

/**
 * The fields of both sides, each with both values and whether they differ (a side-by-side comparison). `right` is a
 * change (a parked op's data or merge patch): a field it does not name is left as it is (`inRight` false), not a
 * difference.
 */
export function compareFields(left, right) {
  const a = isObject(left) ? left : {};
  const b = isObject(right) ? right : {};
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().map((field) => {
    const inRight = Object.prototype.hasOwnProperty.call(b, field);
    return { field, left: a[field], right: b[field], inRight, differs: inRight && !same(a[field], b[field]) };
  });
}
