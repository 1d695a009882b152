/** Devices: their binding to the first user that used them, their push and pull times, {@code /sync/status}. */
package io.outpost.api.device;
