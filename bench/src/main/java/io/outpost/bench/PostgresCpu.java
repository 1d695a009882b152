package io.outpost.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU used by a PostgreSQL server: the postmaster (its pid is the first line of {@code <datadir>/postmaster.pid})
 * and every process whose parent chain leads to it (backends, WAL writer, checkpointer, autovacuum, ...). Each
 * reading walks {@code /proc}: utime + stime of every process of the tree that is alive, plus cutime + cstime of each
 * (the CPU of children that have exited and been waited for, e.g. the backend of a closed connection, which the
 * postmaster reaps). Differences of two readings are what the server used in between.
 */
final class PostgresCpu {

    private final long postmasterPid;

    PostgresCpu(long postmasterPid) {
        this.postmasterPid = postmasterPid;
    }

    /** For the PostgreSQL whose data directory is {@code dataDir}. */
    static PostgresCpu ofDataDirectory(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            return new PostgresCpu(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the postmaster's pid from " + pidFile + ": " + e, e);
        }
    }

    long postmasterPid() {
        return postmasterPid;
    }

    /** CPU time of the whole tree so far, in nanoseconds. */
    long cpuNanos() {
        Map<Long, List<Proc.Stat>> children = new HashMap<>();
        Proc.Stat root = null;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                Proc.Stat s;
                try {
                    s = Proc.stat(Long.parseLong(name));
                } catch (IOException | RuntimeException gone) {
                    continue; // exited meanwhile
                }
                if (s.pid() == postmasterPid) root = s;
                children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e, e);
        }
        if (root == null) throw new IllegalStateException("the postmaster (pid " + postmasterPid + ") is not running");
        long ticks = 0;
        Deque<Proc.Stat> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            Proc.Stat s = todo.poll();
            ticks += s.ownTicks() + s.reapedChildTicks();
            todo.addAll(children.getOrDefault(s.pid(), List.of()));
        }
        return Proc.ticksToNanos(ticks);
    }

    /** How many processes the tree has now (the postmaster included). */
    int processes() {
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                try {
                    Proc.Stat s = Proc.stat(Long.parseLong(name));
                    children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s.pid());
                } catch (IOException | RuntimeException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        int n = 0;
        Deque<Long> todo = new ArrayDeque<>(List.of(postmasterPid));
        while (!todo.isEmpty()) {
            n++;
            todo.addAll(children.getOrDefault(todo.poll(), List.of()));
        }
        return n;
    }
}
