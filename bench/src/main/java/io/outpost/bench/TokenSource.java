package io.outpost.bench;

/**
 * Where a benchmark's simulated devices get their bearer tokens: the in-process server's own {@code JwtService}
 * ({@link InProcessServer}) or tokens signed with the secret a separate server process was given
 * ({@link ServerProcess}).
 */
public interface TokenSource {

    /** A bearer token for {@code userId} in {@code tenant} with the role user. */
    String token(String tenant, String userId);
}
