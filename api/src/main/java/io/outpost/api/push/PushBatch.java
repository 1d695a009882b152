package io.outpost.api.push;

/** The message of a push's root unit of work (its metadata carries tenant, user and device). Never dispatched. */
record PushBatch(String deviceId, int operations) {
}
