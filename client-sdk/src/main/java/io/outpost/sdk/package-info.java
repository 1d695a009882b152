/**
 * The Java client SDK: {@link io.outpost.sdk.SyncClient} keeps records in a local SQLite store, queues every change
 * with it in one transaction, and syncs with the server as PROTOCOL.md says. Internals are in {@code internal}.
 */
package io.outpost.sdk;
