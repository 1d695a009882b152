// The browser gives the SDK what it builds on: IndexedDB (the local store) and Web Locks (one sync at a time).
import { equal, ok } from './assert.js';

export const tests = {
  async 'IndexedDB and Web Locks exist'() {
    ok(typeof indexedDB !== 'undefined' && indexedDB !== null, 'indexedDB');
    ok(navigator.locks && typeof navigator.locks.request === 'function', 'navigator.locks.request');
    const held = await navigator.locks.request('outpost-smoke', async (lock) => lock.name);
    equal(held, 'outpost-smoke');
  },
};
