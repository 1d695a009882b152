/** The list of parked (manual) conflicts, projected from the records' events, and its reader. */
package io.outpost.query.conflicts;
