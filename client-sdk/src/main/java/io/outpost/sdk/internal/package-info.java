/** The SDK's machinery: the SQLite store, the HTTP transport, the sync engine and its scheduler. Not API. */
package io.outpost.sdk.internal;
