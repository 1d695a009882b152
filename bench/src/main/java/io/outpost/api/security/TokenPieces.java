package io.outpost.api.security;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.api.config.OutpostProperties;
import io.outpost.api.config.SyncProperties;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.springframework.util.unit.DataSize;

/**
 * What every request pays for its bearer token (JMH, {@code -Dbench.which=pieces}, beside OpPieces): jjwt's full
 * check of an HS256 token the server issued, and the same token found in JwtService's cache of verified tokens. In
 * this package to reach {@link ExternalKeys}, which is internal to the server.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenPieces {

    private JwtService checked;
    private JwtService remembered;
    private String token;

    @Setup
    public void setUp() {
        checked = service(DataSize.ofBytes(0));
        remembered = service(DataSize.ofMegabytes(4));
        token = checked.issue(new SyncPrincipal("bench", "user-1", Set.of(Role.USER)));
        remembered.verify(token);
    }

    private static JwtService service(DataSize cache) {
        SyncProperties sync = new SyncProperties(new SyncProperties.Security(new SyncProperties.Jwt(
                "outpost-bench-token-pieces-0123456789abcdefghij", Duration.ofHours(24), null, null)),
                Map.of(), true, new SyncProperties.RateLimit(600, 100, 20), List.of());
        OutpostProperties outpost = new OutpostProperties("./data", new OutpostProperties.EmbeddedPostgres(false, 0),
                new OutpostProperties.Push(8, 100000, DataSize.ofMegabytes(64), 100, 0,
                        new OutpostProperties.Push.Results(true, 10000, Duration.ofDays(30), 1000,
                                Duration.ofMinutes(10))),
                new OutpostProperties.Tokens(cache, Duration.ofMinutes(5)));
        Clock clock = Clock.systemUTC();
        return new JwtService(new JwtSecret(sync, outpost), sync, clock, new ExternalKeys(sync, clock), outpost,
                new SimpleMeterRegistry());
    }

    @Benchmark
    public SyncPrincipal verifyToken() {
        return checked.verify(token);
    }

    @Benchmark
    public SyncPrincipal verifyRememberedToken() {
        return remembered.verify(token);
    }
}
