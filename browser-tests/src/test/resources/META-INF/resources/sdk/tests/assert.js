// Assertion helpers for the browser SDK's JS tests. Each throws an AssertionError (an Error named so) on failure.

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** JSON with object keys sorted, so that {a, b} and {b, a} compare equal; undefined fields are dropped. */
function canonical(value) {
  return JSON.stringify(value, (key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.keys(v).sort().reduce((sorted, k) => {
        sorted[k] = v[k];
        return sorted;
      }, {});
    }
    return v;
  });
}

function prefix(message) {
  return message ? `${message}: ` : '';
}

/** Deep equality (via canonical JSON: plain data only; Dates compare by their ISO string). */
export function equal(actual, expected, message) {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new AssertionError(`${prefix(message)}expected ${e} but was ${a}`);
}

/** Deep inequality. */
export function notEqual(actual, unexpected, message) {
  if (canonical(actual) === canonical(unexpected)) {
    throw new AssertionError(`${prefix(message)}expected something other than ${canonical(unexpected)}`);
  }
}

/** A truthy value. */
export function ok(value, message) {
  if (!value) throw new AssertionError(`${prefix(message)}expected a truthy value but was ${String(value)}`);
}

/** Unconditional failure. */
export function fail(message) {
  throw new AssertionError(message || 'failed');
}

/**
 * A promise (or a function returning one, or throwing) that rejects; `expected` (optional) is a RegExp or a string
 * the error's message (or name) must match / contain, or a predicate on the error. Returns the error.
 */
export async function rejects(promiseOrFunction, expected, message) {
  let error;
  try {
    await (typeof promiseOrFunction === 'function' ? promiseOrFunction() : promiseOrFunction);
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new AssertionError(`${prefix(message)}expected a rejection, but it resolved`);
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const matches = expected === undefined
    || (expected instanceof RegExp && expected.test(text))
    || (typeof expected === 'string' && text.includes(expected))
    || (typeof expected === 'function' && expected(error));
  if (!matches) throw new AssertionError(`${prefix(message)}rejected with "${text}", expected ${String(expected)}`);
  return error;
}

/** Polls `condition` (sync or async) until truthy, every `intervalMs`, failing after `timeoutMs`. Returns its value. */
export async function eventually(condition, { timeoutMs = 5000, intervalMs = 20, message } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await condition();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new AssertionError(`${prefix(message)}condition not met within ${timeoutMs} ms (last: ${String(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
