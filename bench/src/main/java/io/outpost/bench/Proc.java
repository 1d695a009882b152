package io.outpost.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What Linux's {@code /proc} says about a process: CPU time (clock ticks of {@code /proc/<pid>/stat}) and memory
 * ({@code /proc/<pid>/status}). Linux only; the benchmarks that use it say so in their failure.
 */
final class Proc {

    /** {@code getconf CLK_TCK}, 100 if that cannot be run. */
    static final long TICKS_PER_SECOND = ticksPerSecond();

    private Proc() {
    }

    /** One process's line of {@code /proc/<pid>/stat}, split into its fields (index 1 = field 1). */
    record Stat(long pid, long ppid, long utime, long stime, long cutime, long cstime) {

        /** utime + stime: CPU the process itself (all its threads) has used, in clock ticks. */
        long ownTicks() {
            return utime + stime;
        }

        /** cutime + cstime: CPU of its children that have exited and been waited for, in clock ticks. */
        long reapedChildTicks() {
            return cutime + cstime;
        }
    }

    /**
     * Reads {@code /proc/<pid>/stat}. Fields 14 and 15 are utime and stime, 16 and 17 cutime and cstime, 4 the
     * parent pid (proc(5)); field 2, the command, is in parentheses and may hold spaces, so the fields are counted
     * from the last ')'.
     *
     * @throws IOException when the process does not exist (any more)
     */
    static Stat stat(long pid) throws IOException {
        String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        int close = line.lastIndexOf(')');
        if (close < 0) throw new IOException("unexpected /proc/" + pid + "/stat: " + line);
        String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state): field n is f[n - 3]
        return new Stat(pid, Long.parseLong(f[4 - 3]), Long.parseLong(f[14 - 3]), Long.parseLong(f[15 - 3]),
                Long.parseLong(f[16 - 3]), Long.parseLong(f[17 - 3]));
    }

    /**
     * utime + stime of each live thread of {@code pid} ({@code /proc/<pid>/task/<tid>/stat}), summed by
     * {@link #threadGroup} of the thread's name, in nanoseconds. Threads that have ended are missing.
     */
    static Map<String, Long> threadCpuNanos(long pid) {
        Map<String, Long> out = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String line;
                try {
                    line = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
                } catch (IOException gone) {
                    continue;
                }
                int open = line.indexOf('(');
                int close = line.lastIndexOf(')');
                if (open < 0 || close < open) continue;
                String[] f = line.substring(close + 2).trim().split(" ");
                long ticks = Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
                out.merge(threadGroup(line.substring(open + 1, close)), ticksToNanos(ticks), Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return out;
    }

    /** A JVM thread's group by its (15-character) Linux name. */
    static String threadGroup(String comm) {
        if (comm.startsWith("http-nio-") || comm.startsWith("qtp")) return "request threads";
        if (comm.startsWith("EventProcessor")) return "event processors";
        if (comm.startsWith("EmbeddedEventSt")) return "event store reader";
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) return "JIT compiler";
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")
                || comm.startsWith("VM Periodic")) {
            return "GC and VM";
        }
        return "other";
    }

    /** utime + stime of {@code pid}, in nanoseconds. */
    static long cpuNanos(long pid) {
        try {
            return ticksToNanos(stat(pid).ownTicks());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the CPU time of process " + pid + " (/proc/" + pid
                    + "/stat): " + e.getMessage(), e);
        }
    }

    /** A {@code kB} line of {@code /proc/<pid>/status} (e.g. VmRSS, VmHWM) in bytes; -1 if it is not there. */
    static long statusBytes(long pid, String field) {
        return statusBytesOfFile(Path.of("/proc", Long.toString(pid), "status"), field);
    }

    /** A {@code Name: <n> kB} line of a /proc file (status, meminfo) in bytes; -1 if it is not there. */
    static long statusBytesOfFile(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    static long ticksToNanos(long ticks) {
        return ticks * TimeUnit.SECONDS.toNanos(1) / TICKS_PER_SECOND;
    }

    /** The first line a short command prints (stdout and stderr together), or null if it cannot be run. */
    static String firstLine(String... command) {
        String all = output(command);
        if (all == null) return null;
        int nl = all.indexOf('\n');
        return (nl < 0 ? all : all.substring(0, nl)).trim();
    }

    /** What a short command prints (stdout and stderr together, at most 30 s), or null if it cannot be run. */
    static String output(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static long ticksPerSecond() {
        String out = firstLine("getconf", "CLK_TCK");
        try {
            long ticks = out == null ? 100 : Long.parseLong(out.trim());
            return ticks > 0 ? ticks : 100;
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
