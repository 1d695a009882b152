// The SDK's public error class, here so that internal modules can throw it without importing outpost-sync.js.

/**
 * A request the server refused, or could not be sent (`error.kind` 'offline'); also a local write refused before it
 * was queued (`error.kind` 'local', `error.code` 'validation_failed' or 'forbidden', `error.fields`).
 */
export class SyncRequestError extends Error {
  constructor(error) {
    super(error.message);
    this.name = 'SyncRequestError';
    this.error = error;
  }
}
