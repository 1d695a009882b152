/**
 * {@code POST /api/v1/sync/push}: parses a push, turns each operation into a command on its record aggregate and
 * answers every operation exactly once (results are stored in the same transaction as the events).
 */
package io.outpost.api.push;
