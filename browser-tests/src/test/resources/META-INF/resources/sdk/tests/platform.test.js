// The SDK's fallbacks for runtimes without crypto.randomUUID, structuredClone or AbortSignal.timeout (React
// Native's Hermes): each given null for the native one.
import { clone, randomUuid, timeoutSignal } from '/sdk/internal/platform.js';
import { equal, ok, rejects } from './assert.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const tests = {
  'randomUuid without crypto.randomUUID: version 4 UUIDs from getRandomValues, all different'() {
    const onlyRandomValues = { getRandomValues: (bytes) => crypto.getRandomValues(bytes) };
    const ids = new Set();
    for (let i = 0; i < 200; i++) {
      const id = randomUuid(onlyRandomValues);
      ok(UUID_V4.test(id), id);
      ids.add(id);
    }
    equal(ids.size, 200);
    ok(UUID_V4.test(randomUuid()), 'the native one');
  },

  'randomUuid without any crypto: an error that names the polyfill'() {
    let error = null;
    try {
      randomUuid({});
    } catch (e) {
      error = e;
    }
    ok(error && error.message.includes('react-native-get-random-values'), String(error));
  },

  'clone without structuredClone: a deep copy of JSON data'() {
    const value = { a: 1, b: { c: [1, { d: 'x' }] }, e: null };
    const copy = clone(value, null);
    equal(copy, value);
    copy.b.c[1].d = 'y';
    equal(value.b.c[1].d, 'x', 'the original is not changed');
    equal(clone(undefined, null), undefined);
  },

  async 'timeoutSignal without AbortSignal.timeout: aborts with a TimeoutError after the time'() {
    const signal = timeoutSignal(20, null);
    equal(signal.aborted, false);
    await rejects(new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }), /timed out after 20 ms/);
    equal([signal.aborted, signal.reason.name], [true, 'TimeoutError']);
  },
};
