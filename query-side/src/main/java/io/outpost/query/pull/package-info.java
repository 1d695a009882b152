/** Reads the change feed for pulls: one index range scan per page, in one consistent database snapshot. */
package io.outpost.query.pull;
