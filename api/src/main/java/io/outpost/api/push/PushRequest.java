package io.outpost.api.push;

import java.util.List;

/** A parsed, request-level valid push. */
record PushRequest(String deviceId, List<PushOperation> operations) {
}
