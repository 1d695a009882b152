package io.outpost.bench;

import io.outpost.query.feed.ChangeFeedProjection;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * Phase (b2) of the push benchmark: the rows a push of the 50/50 mix writes per op, written by raw JDBC with no server
 * in between, the physical ceiling of the data model in the same run as (a) and (b). (b) inserts one narrow row with
 * one index per op; a push writes per op an event row (four indexes: position, stream and sequence, tenant) and the
 * record's read-model row (an upsert drawing a feed position and its transaction's id, two indexes, the data as
 * {@code json}), after taking the tenant's feed lock shared, as the projection does ({@link ChangeFeedProjection};
 * until V19 the lock was exclusive and held to the commit, which made one tenant's transactions take turns). So
 * (a)/(b2) is the server's own share of the gap to (b), and (b2)/(b) the data model's.
 *
 * <p>Each thread is a device of one tenant, as in (a): an unmeasured seeding transaction of creates, then transactions
 * of {@code batch} ops, creates and updates of its earlier records interleaved, each one transaction on a pool of the
 * server's size with the server's {@code reWriteBatchedInserts}: the event rows as one JDBC batch, the feed lock, the
 * record rows as one JDBC batch with the projection's own statement, the commit. Left out: what a push writes once
 * (its results row, the device's progress and counters), a few rows per 200 ops. The event rows carry filler of the
 * server's event sizes, not readable events, in a tenant of their own that nothing reads back; the benchmark's
 * database is thrown away after the run.
 */
final class RawPushRows {

    private static final String COLLECTION = BenchDevice.COLLECTION;
    /** The event table's columns as the server's append statement writes them (TenantTaggingAppend). */
    private static final String EVENT = "INSERT INTO domain_event_entry (event_identifier, aggregate_identifier, "
            + "sequence_number, type, time_stamp, payload_type, payload_revision, payload, meta_data, tenant) "
            + "VALUES (?,?,?,?,?,?,?,?,?,?)";

    private final DataSource db;
    private final byte[] payload;
    private final byte[] metaData;
    private final String tenant;
    private final boolean feedLock;

    /**
     * @param db       a pool with {@code reWriteBatchedInserts}, as the server's
     * @param payload  an event payload of the size the server's events have
     * @param metaData event metadata of the size the server's events have
     * @param tenant   the tenant its devices write in (one per instance)
     * @param feedLock whether the transaction takes the tenant's feed lock (shared) before the record rows, as the
     *                 server does; without it ((b3)), what the lock costs shows
     */
    RawPushRows(DataSource db, byte[] payload, byte[] metaData, String tenant, boolean feedLock) {
        this.db = db;
        this.payload = payload;
        this.metaData = metaData;
        this.tenant = tenant;
        this.feedLock = feedLock;
    }

    /** One device's records: their versions (= events so far), created in this phase. */
    private static final class Device {
        final String prefix;
        long[] versions = new long[1024];
        int records;
        int updateCursor;

        Device(int index) {
            this.prefix = "dev-" + index + "-";
        }
    }

    private Device[] devices;

    /** The seeding transaction of {@code creates} creates per device (unmeasured, as (a)'s seeding push). */
    void seed(int threads, int creates) throws InterruptedException {
        devices = new Device[threads];
        for (int i = 0; i < threads; i++) devices[i] = new Device(i);
        PushBenchmark.concurrently("raw-rows-seed", threads, (i, rec) -> transaction(devices[i], creates, 0));
    }

    /** {@code pushes} transactions of {@code batch} ops per device, half creates, half updates. */
    PushBenchmark.Phase run(int pushes, int batch) throws InterruptedException {
        return PushBenchmark.concurrently("raw-rows", devices.length, (i, rec) -> {
            for (int p = 0; p < pushes && !rec.aborted(); p++) {
                long start = System.nanoTime();
                transaction(devices[i], batch - batch / 2, batch / 2);
                rec.add(start, System.nanoTime());
            }
        });
    }

    /** The event rows and record rows the devices wrote, checked against what they sent. */
    void verify() throws SQLException {
        long ops = 0;
        long records = 0;
        for (Device d : devices) {
            records += d.records;
            for (int k = 0; k < d.records; k++) ops += d.versions[k];
        }
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            long events = count(s, "SELECT count(*) FROM domain_event_entry WHERE tenant = '" + tenant + "'");
            long rows = count(s, "SELECT count(*) FROM records WHERE tenant = '" + tenant + "'");
            long versions = count(s, "SELECT coalesce(sum(version), 0) FROM records WHERE tenant = '" + tenant + "'");
            if (events != ops || rows != records || versions != ops) {
                throw new PushBenchmark.BenchFailure("(b2) wrote " + events + " events and " + rows + " records "
                        + "(versions summing to " + versions + "), expected " + ops + " and " + records);
            }
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void transaction(Device d, int creates, int updates) throws SQLException {
        int n = creates + updates;
        int[] target = new int[n];
        int c = 0;
        int u = 0;
        for (int k = 0; k < n; k++) {
            boolean update = u < updates && (c >= creates || k % 2 == 0);
            if (update) {
                target[k] = d.updateCursor++ % d.records;
                u++;
            } else {
                if (d.records == d.versions.length) d.versions = Arrays.copyOf(d.versions, d.records * 2);
                target[k] = d.records++;
                c++;
            }
        }
        Timestamp now = Timestamp.from(Instant.now());
        String at = now.toInstant().toString();
        try (Connection con = db.getConnection()) {
            con.setAutoCommit(false);
            try (PreparedStatement events = con.prepareStatement(EVENT);
                 PreparedStatement lock = con.prepareStatement(ChangeFeedProjection.LOCK_TENANT_SHARED);
                 PreparedStatement rows = con.prepareStatement(ChangeFeedProjection.UPSERT)) {
                long[] versions = new long[n];
                for (int k = 0; k < n; k++) {
                    int r = target[k];
                    long version = ++d.versions[r];
                    versions[k] = version;
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    events.setString(1, new UUID(random.nextLong(), random.nextLong()).toString());
                    events.setString(2, tenant + "/" + COLLECTION + "/" + d.prefix + (r + 1));
                    events.setLong(3, version - 1);
                    events.setString(4, "RecordAggregate");
                    events.setString(5, at);
                    events.setString(6, version == 1 ? "io.outpost.command.api.RecordCreatedEvent"
                            : "io.outpost.command.api.RecordUpdatedEvent");
                    events.setString(7, "2");
                    events.setBytes(8, payload);
                    events.setBytes(9, metaData);
                    events.setString(10, tenant);
                    events.addBatch();
                }
                events.executeBatch();
                if (feedLock) {
                    lock.setInt(1, ChangeFeedProjection.FEED_LOCKS);
                    lock.setString(2, tenant);
                    lock.executeQuery().close();
                }
                for (int k = 0; k < n; k++) {
                    int r = target[k];
                    rows.setString(1, tenant);
                    rows.setString(2, COLLECTION);
                    rows.setString(3, d.prefix + (r + 1));
                    rows.setLong(4, versions[k]);
                    rows.setBoolean(5, false);
                    rows.setString(6, BenchDevice.dispense(d.prefix, r));
                    rows.setString(7, null);
                    rows.setString(8, versions[k] == 1 ? "bench-user" : null);
                    rows.setTimestamp(9, now);
                    rows.setString(10, "bench-user");
                    rows.setInt(11, 1);
                    rows.addBatch();
                }
                rows.executeBatch();
            }
            con.commit();
        }
    }

    /** Metadata bytes of {@code size}, shaped like an op event's. */
    static byte[] metaData(int size) {
        StringBuilder s = new StringBuilder(size + 32).append("{\"tenant\":\"bench-raw-rows\",\"user\":\"bench-user\","
                + "\"device\":\"dev-0\",\"opId\":1,\"chain\":\"");
        while (s.length() < size) s.append("0123456789abcdef");
        return Arrays.copyOf(s.toString().getBytes(StandardCharsets.UTF_8), size);
    }
}
