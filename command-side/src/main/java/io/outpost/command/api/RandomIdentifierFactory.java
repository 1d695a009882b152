package io.outpost.command.api;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.axonframework.common.IdentifierFactory;

/**
 * Axon's identifiers of messages (every event's {@code event_identifier}), as random (version 4) UUIDs drawn from the
 * thread's {@link ThreadLocalRandom} instead of {@link UUID#randomUUID()}'s {@code SecureRandom}, which every event of
 * a push paid for (a lock and a read of the kernel's generator, ~2 % of the push path's CPU in the profile of
 * docs/benchmarks.md, seventh step). An identifier names a message; it is no secret and nothing is derived from it, so
 * it needs uniqueness (122 random bits), not unpredictability. Registered with Axon through
 * {@code META-INF/services/org.axonframework.common.IdentifierFactory}.
 */
public final class RandomIdentifierFactory extends IdentifierFactory {

    @Override
    public String generateIdentifier() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(high, low).toString();
    }
}
