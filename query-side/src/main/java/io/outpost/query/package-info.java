/** Projections that build the read model and the change feed from command.api events (built out in the query-side issue). */
package io.outpost.query;
