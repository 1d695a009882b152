/** Admin endpoints: tenant statistics. */
package io.outpost.api.admin;
