// Sync Control: the constants and texts the modules share.

export const SESSION_KEY = 'outpost.session';
/** `<prefix><user>`: the collection the user last picked. */
export const COLLECTION_KEY = 'outpost.collection.';
/** `<prefix><user>`: the last answer of GET /api/v1/collections, so that the page opens offline too. */
export const CATALOG_KEY = 'outpost.collections.';
/** Shown first when the server has it, and offered when the server accepts undeclared collections. */
export const DEFAULT_COLLECTION = 'dispenses';
export const CATALOG_TIMEOUT_MS = 10000;
/** With an answer stored for the user, the page opens on it when the server is silent for this long. */
export const STORED_CATALOG_WAIT_MS = 3000;

/** The badge by the SDK's `status.summary`: "Synced" only when nothing is pending, rejected or in conflict. */
export const SUMMARY_LABELS = { synced: 'Synced', syncing: 'Syncing…', offline: 'Offline', error: 'Error',
  'upgrade-required': 'Update required' };
export const SUMMARY_TITLES = {
  synced: 'Everything this device sent was accepted.',
  syncing: 'Exchanging changes with the server.',
  offline: 'The server cannot be reached. Changes are kept on this device and sent later.',
  error: 'The last sync failed.',
  pending: 'Changes made on this device have not been sent to the server yet.',
  attention: 'The server rejected changes or they are in conflict: they wait for your decision below.',
  'upgrade-required': 'The server no longer accepts this app version. Changes are kept on this device; update the app to sync them.',
};
export const INTERVAL_LABELS = { 30: '30 s', 60: '1 min', 300: '5 min', 600: '10 min', 1800: '30 min', 3600: '1 h' };

/** A sync error kind (SDK `SyncError.kind`) in plain words. */
export const SYNC_ERROR_TEXT = {
  offline: 'The server cannot be reached. Changes stay on this device and are sent when it can be reached.',
  busy: 'The server is busy. The page tries again shortly.',
  server: 'The server had a problem. The page tries again later.',
  unauthorized: 'The server did not accept your sign-in.',
  forbidden: 'This account may not sync here.',
  refused: 'The server refused the request.',
  local: "This device's storage had a problem.",
  revoked: 'An administrator revoked this device; the server no longer accepts it.',
  'upgrade-required': 'This app version is too old for the server. Changes stay on this device; update the app to sync them.',
};

/** A push rejection code in plain words (docs/errors.md, operation-level errors). */
export const REJECTION_TEXT = {
  validation_failed: 'The server did not accept this change: some fields are not valid.',
  invalid_reference: 'This change names a record that does not exist (or was deleted).',
  unknown_collection: 'The server does not have this collection.',
  not_found: 'The record no longer exists on the server, or this account may not see it.',
  record_too_large: 'The record is too large for the server (at most 256 KiB).',
  invalid_operation: 'The server could not process this change.',
  op_id_reused: 'The server already holds a different change under the same number; this one was not applied.',
};

/** Unit suffixes of field names: `doseMg` reads "Dose (mg)". */
export const UNITS = { mg: 'mg', mcg: 'mcg', ug: 'µg', ml: 'ml', kg: 'kg', cm: 'cm', mm: 'mm', km: 'km', ms: 'ms',
  pct: '%', percent: '%' };
export const TYPE_WORDS = { number: 'a number', integer: 'a whole number', string: 'text', boolean: 'yes or no',
  array: 'a list', object: 'a group of fields', null: 'empty' };

export const $ = (id) => document.getElementById(id);
