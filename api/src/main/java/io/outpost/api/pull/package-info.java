/** {@code GET /sync/pull}, {@code /sync/stream} and {@code /sync/status}: the read half of the sync loop. */
package io.outpost.api.pull;
