package io.outpost.api.pull;

import io.outpost.api.database.DatabaseAvailability;
import io.outpost.query.feed.FeedNotifier;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Holds one dedicated connection that {@code LISTEN}s on {@value FeedNotifier#CHANNEL} and hands each tenant named
 * in a notification to the {@link PokeHub}: every node hears every commit of the feed projection, wherever it ran,
 * with no broker but PostgreSQL. Reconnects with back-off when the connection drops.
 */
@Component
class ChangeNotificationListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ChangeNotificationListener.class);

    /** Tries again at least every 2 s, so the pokes are back within about 2 s of the database. */
    private static final long MAX_BACKOFF_MS = 2_000;
    private static final long DOWN_POLL_MS = 100;
    private final DataSource dataSource;
    private final DatabaseAvailability database;
    private final PokeHub hub;
    private volatile boolean running;
    private volatile Thread thread;

    ChangeNotificationListener(DataSource dataSource, PokeHub hub, DatabaseAvailability database) {
        this.dataSource = dataSource;
        this.database = database;
        this.hub = hub;
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::listen, "outpost-listen");
        thread.setDaemon(true);
        thread.start();
    }

    private void listen() {
        long backoff = 500;
        boolean interrupted = false;
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement st = connection.createStatement()) {
                    st.execute("LISTEN " + FeedNotifier.CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                if (interrupted) {
                    // back after an interruption: a commit may have happened while nobody listened
                    log.info("change notifications listening again");
                    hub.changedEverywhere();
                }
                backoff = 500;
                interrupted = false;
                while (running) {
                    if (database.isDown()) {
                        // a silent network never fails getNotifications: leave when the probe says so
                        throw new SQLException("the database is unreachable", "08006");
                    }
                    PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications == null) continue;
                    for (PGNotification n : notifications) hub.changed(n.getParameter());
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) return;
                interrupted = true;
                log.warn("change notifications interrupted ({}); reconnecting in {} ms", e.toString(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                // no connection requests while the probe finds the database down: the pool is suspended then
                // (DatabaseAvailability), and the next attempt follows its return at once
                try {
                    while (running && database.isDown()) Thread.sleep(DOWN_POLL_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
