package io.outpost.sdk;

import java.time.Duration;
import java.util.Optional;

/**
 * What one sync did.
 *
 * @param pushed    ops sent and answered
 * @param applied   answered {@code applied} (duplicates included: the server had them already)
 * @param merged    answered {@code merged}
 * @param conflicts answered {@code conflict}
 * @param rejected  answered {@code rejected}: now in the failed list
 * @param failed    ops that were to be pushed but not delivered because the sync broke off (they stay
 *                  {@link OpState#PENDING} and are retried; a transport failure never makes an op FAILED)
 * @param pulled    changes received from the server
 * @param error     why the sync broke off, empty when it completed
 */
public record SyncResult(int pushed, int applied, int merged, int conflicts, int rejected, int failed, int pulled,
                         Duration duration, Optional<SyncError> error) {

    /** Whether push and pull both completed. */
    public boolean ok() {
        return error.isEmpty();
    }
}
