package io.outpost.api.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import java.time.Duration;
import org.springframework.validation.annotation.Validated;

/**
 * {@code outpost.*}: settings of this server that the wire contract does not name.
 *
 * @param dataDir where the embedded default keeps its PostgreSQL data and its generated JWT secret
 */
@Validated
@ConfigurationProperties("outpost")
public record OutpostProperties(@DefaultValue("./data") String dataDir,
                                @DefaultValue EmbeddedPostgres embeddedPostgres,
                                @DefaultValue Push push,
                                @DefaultValue Tokens tokens) {

    /**
     * Bearer tokens verified recently, kept so that a device's next request skips the signature check and the claims'
     * parsing (JwtService). An entry is used only until the token's own expiry (with the same 30 s clock skew) and
     * at most {@code verifiedCacheTtl} after its verification, so a key removed from {@code jwks-uri} stops counting
     * within that time.
     *
     * @param verifiedCacheMaxBytes what the cached tokens may hold of the heap at most, by their length plus a fixed
     *                              overhead per entry (about 700 bytes for a typical token); 0 turns the cache off
     * @param verifiedCacheTtl      how long a verification is reused at most
     */
    public record Tokens(@DefaultValue("4MB") DataSize verifiedCacheMaxBytes,
                         @DefaultValue("5m") Duration verifiedCacheTtl) {
    }

    /**
     * @param persistent false: a throw-away database in a temporary directory (tests)
     * @param port       0 picks a free port
     */
    public record EmbeddedPostgres(@DefaultValue("true") boolean persistent, @DefaultValue("0") @Min(0) int port) {
    }

    /**
     * @param maxAttempts        how often a push is tried when a concurrent push changed the same records
     * @param aggregateCacheSize how many record aggregates a node keeps in memory at most (0 turns the cache off)
     * @param aggregateCacheMaxBytes what the cached aggregates may hold of the heap at most, by their estimated
     *                           footprint; whichever bound is reached first evicts; 0 (default): a quarter of the
     *                           JVM's maximum heap
     * @param snapshotThreshold  a record's aggregate is snapshotted after this many events since its last snapshot or
     *                           load (0: never); loading it then reads the snapshot and at most this many events
     * @param maxConcurrent      how many pushes a node processes at once, the others wait their turn; 0 (default)
     *                           means the number of processors
     */
    public record Push(@DefaultValue("8") @Min(1) @Max(50) int maxAttempts,
                       @DefaultValue("100000") @Min(0) long aggregateCacheSize,
                       @DefaultValue("0") DataSize aggregateCacheMaxBytes,
                       @DefaultValue("100") @Min(0) int snapshotThreshold,
                       @DefaultValue("0") @Min(0) int maxConcurrent,
                       @DefaultValue Results results) {

        /**
         * Retention of stored op results (OpResultPruner): a result is deleted only when it is outside its device's
         * newest {@code keepPerDevice} and older than {@code keepFor}.
         *
         * @param prune          false: keep every result forever
         * @param keepPerDevice  newest results kept per device, at least the 10,000 PROTOCOL.md promises
         * @param keepFor        results younger than this are kept
         * @param pruneBatch     rows deleted per statement (each its own short transaction)
         * @param pruneInterval  pause between two sweeps
         */
        public record Results(@DefaultValue("true") boolean prune,
                              @DefaultValue("10000") @Min(10000) int keepPerDevice,
                              @DefaultValue("30d") Duration keepFor,
                              @DefaultValue("1000") @Min(1) int pruneBatch,
                              @DefaultValue("10m") Duration pruneInterval) {
        }

        /** The cache's byte bound: as configured, or a quarter of the maximum heap. */
        public long effectiveAggregateCacheMaxBytes() {
            long configured = aggregateCacheMaxBytes.toBytes();
            return configured > 0 ? configured : Runtime.getRuntime().maxMemory() / 4;
        }

        public int effectiveMaxConcurrent() {
            return maxConcurrent > 0 ? maxConcurrent : Runtime.getRuntime().availableProcessors();
        }
    }
}
