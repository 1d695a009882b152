/**
 * Axon upcasters: stored events are never rewritten; an event stored at an older revision is turned into the current
 * one when it is read (aggregates, history, as-of reads, rebuilds, the hash chain's verification).
 */
package io.outpost.command.api.upcasting;
