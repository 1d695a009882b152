/** What clients may know of the configured collections: their schemas and rules ({@code GET /api/v1/collections}). */
package io.outpost.api.collections;
