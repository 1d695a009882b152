/** The Conflicts API: list parked (manual) conflicts and resolve them with a command on the record. */
package io.outpost.api.conflicts;
