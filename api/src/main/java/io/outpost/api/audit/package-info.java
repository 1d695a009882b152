/** Audit: a record's history and its state as of a version or a time, folded from its event stream (the truth). */
package io.outpost.api.audit;
