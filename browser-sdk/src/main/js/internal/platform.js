// What the SDK needs from the runtime beyond ECMAScript, with fallbacks where React Native's Hermes lacks it:
// crypto.randomUUID (from crypto.getRandomValues, which the react-native-get-random-values polyfill provides),
// structuredClone (the SDK clones JSON data only), AbortSignal.timeout.

/** A random UUID (version 4); `c`: the runtime's crypto (a parameter for the tests of the fallback). */
export function randomUuid(c = globalThis.crypto) {
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  if (typeof c?.getRandomValues !== 'function') {
    throw new Error('no crypto.getRandomValues in this runtime: in React Native import '
      + '\'react-native-get-random-values\' first');
  }
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A deep copy of JSON data (records, patches, ops, rules); `native`: the runtime's structuredClone, if any. */
export function clone(value, native = globalThis.structuredClone) {
  if (typeof native === 'function') return native(value);
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** An AbortSignal that aborts with a TimeoutError after `ms`; `native`: the runtime's AbortSignal.timeout, if any. */
export function timeoutSignal(ms, native = AbortSignal.timeout?.bind(AbortSignal)) {
  if (typeof native === 'function') return native(ms);
  const controller = new AbortController();
  const error = new Error(`timed out after ${ms} ms`);
  error.name = 'TimeoutError';
  setTimeout(() => controller.abort(error), ms);
  return controller.signal;
}
