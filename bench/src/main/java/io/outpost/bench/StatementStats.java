package io.outpost.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * PostgreSQL's own per-statement figures ({@code pg_stat_statements}), when the benchmark's PostgreSQL was started
 * with {@code -Dbench.pgConfig=fsync=on,synchronous_commit=on,shared_preload_libraries=pg_stat_statements}: what
 * the database spends its time on, statement by statement.
 */
final class StatementStats {

    private StatementStats() {
    }

    /** Creates the extension and resets its figures; false if the library is not loaded. */
    static boolean enable(DataSource db) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW shared_preload_libraries")) {
                rs.next();
                if (!rs.getString(1).contains("pg_stat_statements")) return false;
            }
            s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            s.execute("SELECT pg_stat_statements_reset()");
            return true;
        } catch (SQLException e) {
            PushBenchmark.log("pg_stat_statements not available: " + e.getMessage());
            return false;
        }
    }

    /** Resets the figures (when the extension is there), e.g. when a measured window starts. */
    static void reset(DataSource db) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_statements_reset()");
        } catch (SQLException e) {
            // not enabled: nothing to reset
        }
    }

    /** The {@code limit} statements with the most execution time, as a Markdown table. */
    static String top(DataSource db, int limit) throws SQLException {
        return top(db, limit, null);
    }

    /**
     * The {@code limit} statements with the most execution time since the last reset, as a Markdown table headed by
     * {@code phase} (when not null), with the WAL each wrote: full-page images ({@code wal_fpi}, the first change of a
     * page after a checkpoint copies the whole page) and bytes.
     */
    static String top(DataSource db, int limit, String phase) throws SQLException {
        StringBuilder md = new StringBuilder("## PostgreSQL statements by total execution time"
                + (phase == null ? "" : " during " + phase) + "\n\n"
                + "| total ms | share | calls | ms/call | rows/call | WAL full pages/call | WAL KiB/call | statement |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---|\n");
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT total_exec_time, 100 * total_exec_time / sum(total_exec_time) "
                     + "OVER (), calls, rows, query, wal_fpi, wal_bytes FROM pg_stat_statements "
                     + "ORDER BY total_exec_time DESC LIMIT " + limit)) {
            while (rs.next()) {
                long calls = Math.max(1, rs.getLong(3));
                String q = rs.getString(5).replaceAll("\\s+", " ").replace("|", "\\|");
                if (q.length() > 220) q = q.substring(0, 220) + "…";
                md.append(String.format(Locale.ROOT, "| %.0f | %.1f %% | %d | %.3f | %.1f | %.1f | %.1f | `%s` |%n",
                        rs.getDouble(1), rs.getDouble(2), calls, rs.getDouble(1) / calls,
                        rs.getDouble(4) / calls, rs.getDouble(6) / calls, rs.getDouble(7) / calls / 1024, q));
            }
        }
        return md.toString();
    }
}
