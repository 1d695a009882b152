/**
 * The database's availability as the server sees it: one probe connection watches PostgreSQL, requests that need it
 * get a prompt 503 while it is unreachable, health says why, and the event processors and the change listener come
 * back as soon as it returns. Touches no table.
 */
package io.outpost.api.database;
