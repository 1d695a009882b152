/**
 * Conflict rules as small pure objects: given the facts of a conflict they return a {@link io.outpost.command.policy.Decision}.
 * No Spring, no Axon, no clock.
 */
package io.outpost.command.policy;
