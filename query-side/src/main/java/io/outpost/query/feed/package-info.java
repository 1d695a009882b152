/**
 * The single-writer "sync-feed" projection: the read model (one row per record, latest state, tombstones), its
 * change feed positions and device progress, all written in the tracking processor's transaction.
 */
package io.outpost.query.feed;
