// Reads an IndexedDB database with plain IndexedDB cursors (not the SDK), as someone holding the device's browser
// profile would: every key and value of every object store, serialized to text.

/** Every value as text: strings as they are, binary (ArrayBuffer, typed arrays) decoded as UTF-8 and Latin-1. */
export function serialize(value, seen = new Set()) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value)
    : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : null;
  if (bytes) return `${new TextDecoder('utf-8').decode(bytes)} ${new TextDecoder('latin1').decode(bytes)}`;
  if (globalThis.CryptoKey && value instanceof CryptoKey) return `[CryptoKey ${value.algorithm.name}]`;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return [...value].map(([k, v]) => `${serialize(k, seen)}=${serialize(v, seen)}`).join(' ');
  if (Array.isArray(value) || value instanceof Set) return [...value].map((v) => serialize(v, seen)).join(' ');
  return Object.entries(value).map(([k, v]) => `${k}=${serialize(v, seen)}`).join(' ');
}

/** Every [store, key, value] of database `name` (which must exist). */
export async function rawRows(name) {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  try {
    const rows = [];
    for (const storeName of db.objectStoreNames) {
      const tx = db.transaction(storeName, 'readonly');
      await new Promise((resolve, reject) => {
        const cursor = tx.objectStore(storeName).openCursor();
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) {
            resolve();
            return;
          }
          rows.push([storeName, c.key, c.value]);
          c.continue();
        };
        cursor.onerror = () => reject(cursor.error);
      });
    }
    return rows;
  } finally {
    db.close();
  }
}

/**
 * The whole store as text, one line per row: what a search for a plaintext value runs over. `rows`: how the store
 * is read (this file's `rawRows` for IndexedDB; storage.js passes the tests' storage's).
 */
export async function rawText(name, rows = rawRows) {
  return (await rows(name)).map(([store, key, value]) => `${store} ${serialize(key)} ${serialize(value)}`)
    .join('\n');
}
