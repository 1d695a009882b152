/** The tenant index of the event store, for audit export. */
package io.outpost.query.audit;
