// An encrypted store (issue 19.3): record data and queued ops sealed with WebCrypto AES-GCM (256-bit key, a fresh
// random 12-byte IV per stored value, the value's key as additional data so a sealed value cannot be moved to another
// row). What stays in clear is what IndexedDB indexes and the SDK queries on: record collection, id, versions and
// flags; an op's opId, type, collection, record id, base version, client timestamp, state, group and schema
// version (see docs/browser-sdk.md "An encrypted store").
//
// Keys: an app's own non-extractable AES-GCM CryptoKey; a device key the SDK generates (non-extractable) and keeps
// in the store's own database; or a key derived from the user's password with PBKDF2-SHA-256 (600,000 iterations,
// a random 16-byte salt kept in the store). A key check value (a known marker sealed under the key) is stored when
// the store is created: a wrong key fails at open, before anything is written.

import { SyncRequestError } from './errors.js';

/** PBKDF2-SHA-256 iterations for a password (OWASP's 2023 figure, as the Java SDK's StoreKey). */
export const PBKDF2_ITERATIONS = 600000;
/** The meta row that says how the store is encrypted (absent: a plain store). */
export const ENCRYPTION_META = 'encryption';
/** The meta row holding a device key (a non-extractable CryptoKey, structured-cloned by IndexedDB). */
export const DEVICE_KEY_META = 'device_key';

/** The fields of each object store's rows that hold record field values: sealed together, one value per row. */
const SECRET = { records: ['serverData', 'localData'], ops: ['data', 'conflict', 'error'] };
const CHECK_MARKER = 'outpost store key check v1';
const CHECK_AAD = 'outpost:key-check';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A SyncRequestError of kind 'local' about the store's key. */
export function keyError(code, message) {
  return new SyncRequestError({ kind: 'local', message, status: 0, code });
}

/**
 * The `encryption` option checked: null (a plain store), or {scheme: 'key', key} | {scheme: 'device-key'} |
 * {scheme: 'password', password}. A TypeError for anything else.
 */
export function encryptionOption(encryption) {
  if (encryption === undefined || encryption === null || encryption === false) return null;
  if (encryption === 'device-key') return { scheme: 'device-key' };
  if (typeof encryption === 'object' && encryption.key !== undefined) {
    const { key } = encryption;
    if (!(globalThis.CryptoKey && key instanceof CryptoKey) || key.type !== 'secret' || key.algorithm?.name !== 'AES-GCM'
      || !key.usages.includes('encrypt') || !key.usages.includes('decrypt')) {
      throw new TypeError('encryption.key must be an AES-GCM CryptoKey with the usages encrypt and decrypt');
    }
    if (key.extractable) {
      throw new TypeError('encryption.key must not be extractable: make it with extractable false');
    }
    return { scheme: 'key', key };
  }
  if (typeof encryption === 'object' && encryption.password !== undefined) {
    if (typeof encryption.password !== 'string' || encryption.password === '') {
      throw new TypeError('encryption.password must be a non-empty string');
    }
    return { scheme: 'password', password: encryption.password };
  }
  throw new TypeError('encryption must be {key: CryptoKey}, \'device-key\' or {password: string}');
}

const SCHEMES = { key: 'the app\'s key', 'device-key': 'a device key', password: 'a password' };

/** A password's AES-GCM key (non-extractable). */
async function derive(password, salt, iterations) {
  const base = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function sealBytes(key, plain, aad) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(aad) }, key, plain);
  return { iv, ct };
}

/**
 * A new store's encryption: {setup (the meta row: scheme, the key check value, a password's salt and iterations),
 * deviceKey (a device key to store, or null), key}.
 */
export async function createEncryption(wanted) {
  let key = wanted.key ?? null;
  let deviceKey = null;
  const setup = { scheme: wanted.scheme, cipher: 'AES-GCM-256' };
  if (wanted.scheme === 'device-key') {
    key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    deviceKey = key;
  } else if (wanted.scheme === 'password') {
    setup.kdf = { name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS,
      salt: crypto.getRandomValues(new Uint8Array(16)) };
    key = await derive(wanted.password, setup.kdf.salt, setup.kdf.iterations);
  }
  setup.check = await sealBytes(key, encoder.encode(CHECK_MARKER), CHECK_AAD);
  return { setup, deviceKey, key };
}

/**
 * The key of an existing encrypted store, checked against its key check value: a SyncRequestError (kind 'local',
 * code 'wrong_store_key') when it is not the store's. `deviceKey`: the stored device key, if any.
 */
export async function unlockEncryption(name, setup, wanted, deviceKey) {
  if (setup.scheme !== wanted.scheme) {
    throw keyError('wrong_store_key', `the local store ${name} is encrypted with ${SCHEMES[setup.scheme]
      ?? setup.scheme}, not ${SCHEMES[wanted.scheme]}: nothing was read or written`);
  }
  let key;
  if (setup.scheme === 'key') key = wanted.key;
  else if (setup.scheme === 'device-key') key = deviceKey;
  else key = await derive(wanted.password, setup.kdf.salt, setup.kdf.iterations);
  if (!key) {
    throw keyError('wrong_store_key', `the device key of the local store ${name} is missing: its data cannot be read`);
  }
  let marker = null;
  try {
    marker = decoder.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: setup.check.iv,
      additionalData: encoder.encode(CHECK_AAD) }, key, setup.check.ct));
  } catch {
    // OperationError: the tag does not verify under this key
  }
  if (marker !== CHECK_MARKER) {
    throw keyError('wrong_store_key', `wrong ${setup.scheme === 'password' ? 'password' : 'key'} for the local store `
      + `${name}: nothing was read or written`);
  }
  return key;
}

/** Seals and opens the rows of an encrypted store's `records` and `ops` object stores. */
export class Cipher {
  constructor(key) {
    this.key = key;
  }

  static aad(store, row) {
    return store === 'records' ? `records\u0000${row.collection}\u0000${row.id}` : `ops\u0000${row.opId}`;
  }

  /**
   * The synchronous half of sealing (taken when the write is made, as IndexedDB copies a value then): the clear
   * fields and the JSON of the secret ones.
   */
  static split(store, row) {
    const clear = { ...row };
    const secret = {};
    for (const field of SECRET[store]) {
      if (field in clear) {
        secret[field] = clear[field];
        delete clear[field];
      }
    }
    return { clear, json: JSON.stringify(secret) };
  }

  /** The row as it is stored: the clear fields and `sealed: {iv, ct}`. */
  async seal(store, { clear, json }) {
    return { ...clear, sealed: await sealBytes(this.key, encoder.encode(json), Cipher.aad(store, clear)) };
  }

  /** A stored row opened: clear fields and secret ones. */
  async open(store, row) {
    const { sealed, ...clear } = row;
    if (!sealed) throw keyError('store_damaged', `a value in the encrypted local store is not encrypted (${store})`);
    let plain;
    try {
      plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv,
        additionalData: encoder.encode(Cipher.aad(store, clear)) }, this.key, sealed.ct);
    } catch {
      throw keyError('store_damaged', `a value in the encrypted local store does not decrypt (${store}): changed `
        + 'outside the SDK');
    }
    return { ...clear, ...JSON.parse(decoder.decode(plain)) };
  }

  /** A row from its split form (for a transaction's own writes, read back before they are stored). */
  static join({ clear, json }) {
    return { ...clear, ...JSON.parse(json) };
  }
}
