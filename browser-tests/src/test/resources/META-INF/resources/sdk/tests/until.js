import { testStorage } from './storage.js';

// Waits for a condition with a deadline (never a fixed sleep): polls `condition` on each animation-free tick.
export async function until(condition, timeoutMs = 5000, what = 'condition') {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A fresh database name for one test; `drop(name)` deletes it. */
export function freshName(prefix = 'test') {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Deletes the store `name` from the tests' storage (IndexedDB, or SQLite in Node.js); never fails. */
export function drop(name) {
  return testStorage().delete(name).catch(() => {});
}
