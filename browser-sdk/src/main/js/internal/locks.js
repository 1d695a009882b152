// Exclusive locks within this JavaScript process, where the Web Locks API is missing (Node.js, React Native, a page
// that is not a secure context): the same `request(name, {signal}, work)` as `navigator.locks` in exclusive mode, so
// the clients of one store in one process push one at a time and one of them leads, as tabs do with Web Locks.

const queues = new Map();

export const processLocks = {
  /** Runs `work()` once the lock `name` is free; resolves to its result. An aborted `signal` gives up the wait. */
  request(name, options, work) {
    const signal = options?.signal;
    const previous = queues.get(name) ?? Promise.resolve();
    let release;
    const mine = new Promise((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    queues.set(name, tail);
    const cleanUp = () => {
      release();
      if (queues.get(name) === tail) queues.delete(name);
    };
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        cleanUp();
        reject(signal.reason ?? new Error('aborted'));
        return;
      }
      const onAbort = () => {
        cleanUp();
        reject(signal.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      previous.then(async () => {
        if (signal?.aborted) return; // gave up while waiting
        signal?.removeEventListener('abort', onAbort);
        try {
          resolve(await work({ name, mode: 'exclusive' }));
        } catch (e) {
          reject(e);
        } finally {
          cleanUp();
        }
      });
    });
  },
};
