/**
 * The "sync-feed" projection: the read model (one row per record, latest state, tombstones), its change feed positions
 * and device progress, written in the transaction that stores the events (a subscribing processor), gap-free per
 * tenant by the tenant's advisory lock.
 */
package io.outpost.query.feed;
