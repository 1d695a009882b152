package io.outpost.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.outpost.api.support.ServerTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * The recorder under a flood and a failing database, on the real PostgreSQL: a recorder of its own with a queue of
 * {@link #CAPACITY}, whose connections can be held back (the writer stuck, as on a slow database) or refused.
 */
class SecurityEventsFloodTest extends ServerTest {

    private static final int CAPACITY = 16;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    private DataSource dataSource;

    /** Connections wait for this gate while it is closed; refused while {@link #refuse} is set. */
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile boolean refuse;
    /** Set by the writer when it waits at the closed gate. */
    private volatile boolean atGate;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private SecurityEvents recorder;

    private SecurityEvents recorder() {
        DataSource gated = new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                if (refuse) throw new SQLException("refused by the test", "08001");
                try {
                    if (gate.getCount() > 0) atGate = true;
                    if (!gate.await(60, TimeUnit.SECONDS)) throw new SQLException("gate never opened");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException(e);
                }
                return super.getConnection();
            }
        };
        recorder = new SecurityEvents(new JdbcTemplate(gated), Duration.ofDays(90), Clock.systemUTC(), meters, null,
                CAPACITY);
        recorder.start();
        return recorder;
    }

    @AfterEach
    void stop() {
        gate.countDown();
        refuse = false;
        if (recorder != null) recorder.close();
    }

    private double dropped() {
        return meters.get("outpost.security.events.dropped").counter().count();
    }

    private long stored(String tenant) {
        return jdbc.queryForObject("SELECT count(*) FROM security_events WHERE tenant = ?", Long.class, tenant);
    }

    private boolean offer(SecurityEvents events, String tenant, int i) {
        return events.record(SecurityEvents.Type.TOKEN_REJECTED, "10.3.0.1", tenant, "flooder", null,
                "GET /api/v1/sync/pull", "bad signature " + i);
    }

    @Test
    void aFloodNeverBlocksAndWhatDoesNotFitIsDroppedAndCounted() {
        SecurityEvents events = recorder();
        String before = anyTenant();
        for (int i = 0; i < 10; i++) assertThat(offer(events, before, i)).isTrue();
        await().atMost(WAIT).until(() -> stored(before) == 10);
        assertThat(dropped()).isZero();

        // the writer gets stuck on the database: the queue fills, the rest is dropped, and no offer waits
        gate = new CountDownLatch(1);
        String flood = anyTenant();
        assertThat(offer(events, flood, -1)).isTrue();
        await().atMost(WAIT).until(() -> atGate); // the writer took it and waits for a connection
        assertThat(events.queued()).isZero();
        int offered = 20_000;
        int accepted = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int n = 0;
            for (int i = 0; i < offered; i++) {
                if (offer(events, flood, i)) n++;
            }
            return n;
        }, "offering to a full queue must not block");
        assertThat(accepted).isEqualTo(CAPACITY);
        assertThat(dropped()).isEqualTo(offered - accepted);
        assertThat(meters.get("outpost.security.events").tag("type", "token_rejected").counter().count())
                .as("every event is counted by type, the dropped ones too").isEqualTo(10 + 1 + offered);

        // the database answers again: everything accepted is written
        gate.countDown();
        await().atMost(WAIT).until(() -> stored(flood) == 1 + accepted);
        assertThat(stored(before)).isEqualTo(10);
    }

    @Test
    void aFailingDatabaseCountsTheBatchAsDroppedAndTheWriterCarriesOn() {
        SecurityEvents events = recorder();
        refuse = true;
        String lost = anyTenant();
        for (int i = 0; i < 5; i++) assertThat(offer(events, lost, i)).isTrue();
        await().atMost(WAIT).until(() -> dropped() == 5);
        assertThat(stored(lost)).isZero();

        refuse = false;
        String kept = anyTenant();
        for (int i = 0; i < 5; i++) assertThat(offer(events, kept, i)).isTrue();
        await().atMost(WAIT).until(() -> stored(kept) == 5);
        assertThat(dropped()).isEqualTo(5);
    }

    @Test
    void closingWritesWhatIsQueued() throws InterruptedException {
        SecurityEvents events = recorder();
        gate = new CountDownLatch(1);
        String tenant = anyTenant();
        assertThat(offer(events, tenant, 0)).isTrue();
        await().atMost(WAIT).until(() -> atGate); // the writer holds one event, the rest stays queued
        for (int i = 1; i < CAPACITY; i++) assertThat(offer(events, tenant, i)).isTrue();
        assertThat(events.queued()).isEqualTo(CAPACITY - 1);

        Thread closer = new Thread(events::close, "closer");
        closer.start();
        // close() has stopped taking events and waits for the writer: only now does the database answer
        await().atMost(WAIT).until(() -> closer.getState() == Thread.State.TIMED_WAITING);
        assertThat(offer(events, tenant, 99)).as("closed: dropped").isFalse();
        gate.countDown();
        closer.join(WAIT.toMillis());
        assertThat(closer.isAlive()).isFalse();
        assertThat(stored(tenant)).isEqualTo(CAPACITY);
        assertThat(dropped()).isEqualTo(1);
    }
}
