package io.outpost.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the server's Java threads spend CPU, from the {@code jdk.ExecutionSample} events of a JFR recording (the
 * same events {@code jfr print --events jdk.ExecutionSample} prints), optionally only those of a time window such as
 * phase (a) of the push benchmark. Per thread group (the request threads: Jetty's {@code qtp*}, Tomcat's
 * {@code http-nio-*-exec-*}, each event
 * processor, the rest): the share of samples by library of the top frame (self), by the first frame from the top that
 * is not the JDK's (the library that asked for that JDK work), by library anywhere on the stack (inclusive), and the
 * top self methods and the Outpost methods most often on the stack; and the JIT compilations JFR recorded in the
 * window. Stacks deeper than JFR's stack depth (64 by default; the push benchmark asks for 256) are truncated at the
 * bottom, so inclusive shares of outer frames are then lower bounds.
 *
 * <p>Run: {@code java -cp bench/target/classes io.outpost.bench.JfrSummary <recording.jfr> [<from> <to>]} (ISO
 * instants); the push benchmark runs it itself for phase (a) when {@code -Dbench.jfr=true}. The tables are made by
 * {@link #summariseSamples} from any list of stacks: {@link AsprofProfile} gives it async-profiler's.
 */
final class JfrSummary {

    /** Library groups by package prefix, first match wins. */
    private static final String[][] GROUPS = {
            {"org.axonframework.", "org.axonframework.* (Axon)"},
            {"org.hibernate.", "org.hibernate.* (Hibernate/JPA)"},
            {"jakarta.persistence.", "org.hibernate.* (Hibernate/JPA)"},
            {"com.fasterxml.jackson.", "com.fasterxml.jackson.* (Jackson)"},
            {"io.outpost.", "io.outpost.*"},
            {"org.postgresql.", "org.postgresql.* (JDBC driver)"},
            {"com.zaxxer.hikari.", "com.zaxxer.hikari.* (pool)"},
            {"java.security.", "java.security / sun.security / javax.crypto (MessageDigest, HMAC)"},
            {"sun.security.", "java.security / sun.security / javax.crypto (MessageDigest, HMAC)"},
            {"javax.crypto.", "java.security / sun.security / javax.crypto (MessageDigest, HMAC)"},
            {"com.sun.crypto.", "java.security / sun.security / javax.crypto (MessageDigest, HMAC)"},
            {"io.jsonwebtoken.", "io.jsonwebtoken.* (JWT)"},
            {"com.networknt.", "com.networknt.* (JSON Schema)"},
            {"org.springframework.", "org.springframework.*"},
            {"org.eclipse.jetty.", "org.eclipse.jetty.* (Jetty)"},
            {"org.apache.catalina.", "org.apache.catalina/coyote/tomcat (Tomcat)"},
            {"org.apache.coyote.", "org.apache.catalina/coyote/tomcat (Tomcat)"},
            {"org.apache.tomcat.", "org.apache.catalina/coyote/tomcat (Tomcat)"},
            {"io.micrometer.", "io.micrometer.*"},
            {"ch.qos.logback.", "logging"},
            {"org.slf4j.", "logging"},
            {"java.", "JDK (java.*, jdk.*, sun.*)"},
            {"javax.", "JDK (java.*, jdk.*, sun.*)"},
            {"jdk.", "JDK (java.*, jdk.*, sun.*)"},
            {"sun.", "JDK (java.*, jdk.*, sun.*)"},
            {"com.sun.", "JDK (java.*, jdk.*, sun.*)"},
    };
    static final String JDK = "JDK (java.*, jdk.*, sun.*)";
    /** JDK security code is reported as its own group even when it is the JDK's. */
    static final String JCA = "java.security / sun.security / javax.crypto (MessageDigest, HMAC)";

    private JfrSummary() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1 && args.length != 3) {
            System.err.println("usage: JfrSummary <recording.jfr> [<from> <to>]   (ISO-8601 instants)");
            System.exit(2);
        }
        Instant from = args.length == 3 ? Instant.parse(args[1]) : Instant.MIN;
        Instant to = args.length == 3 ? Instant.parse(args[2]) : Instant.MAX;
        System.out.println(summarise(Path.of(args[0]), from, to, 15));
    }

    static String group(String className) {
        for (String[] g : GROUPS) {
            if (className.startsWith(g[0])) return g[1];
        }
        int dot = className.indexOf('.');
        int second = dot < 0 ? -1 : className.indexOf('.', dot + 1);
        return second < 0 ? className : className.substring(0, second) + ".*";
    }

    static String threadGroup(String name) {
        if (name == null) return "other";
        if (name.startsWith("http-nio-") && name.contains("-exec-") || name.startsWith("qtp")) {
            return "request threads (Jetty qtp*, Tomcat http-nio-*-exec-*)";
        }
        if (name.startsWith("EventProcessor[")) return name.replaceFirst("-\\d+$", "") + " (event processor)";
        if (name.startsWith("outpost-sync-")) return "Java SDK: sync thread (outpost-sync-*)";
        if (name.startsWith("HttpClient-")) return "Java SDK: the JDK HttpClient's threads";
        // threads without Java frames, which only async-profiler samples
        // (native thread names are cut at 15 characters: "C2 CompilerThre")
        if (name.startsWith("C2 Compiler") || name.startsWith("C1 Compiler")) return "JIT compiler threads";
        if (name.equals("VM Thread") || name.startsWith("GC Thread")) return "VM thread and GC threads (the collector)";
        return "other threads";
    }

    /** Counts of one thread group. */
    static final class Counts {
        long samples;
        long truncated;
        final Map<String, Long> self = new HashMap<>();
        final Map<String, Long> caller = new HashMap<>();
        final Map<String, Long> inclusive = new HashMap<>();
        final Map<String, Long> selfMethods = new HashMap<>();
        final Map<String, Long> outpostMethods = new HashMap<>();
        final Map<String, Long> nearestOutpost = new HashMap<>();
        final Map<String, Long> callerPackages = new HashMap<>();
    }

    /**
     * One sampled stack: its thread's name, its Java frames from the top as {@code {class name, method name}}, whether
     * the stack was cut at the bottom, and its weight (1 per sample; bytes for allocation samples).
     */
    record Sample(String thread, List<String[]> frames, boolean truncated, long weight) {
    }

    static String summarise(Path file, Instant from, Instant to, int top) throws IOException {
        // JDK 25's CPU-time sampler (jdk.CPUTimeSample, -Dbench.jfr=cpu on a JDK 25 server) samples by CPU time spent, native
        // frames included, and at a finer period: used instead of the wall-clock sampler when the recording has it
        String sampleEvent = "jdk.ExecutionSample";
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                if (recording.readEvent().getEventType().getName().equals("jdk.CPUTimeSample")) {
                    sampleEvent = "jdk.CPUTimeSample";
                    break;
                }
            }
        }
        List<Sample> samples = new ArrayList<>();
        Instant first = null;
        Instant last = null;
        List<RecordedEvent> compilations = new ArrayList<>();
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                Instant at = e.getStartTime();
                if (at.isBefore(from) || at.isAfter(to)) continue;
                if (e.getEventType().getName().equals("jdk.Compilation")) {
                    compilations.add(e);
                    continue;
                }
                if (!e.getEventType().getName().equals(sampleEvent)) continue;
                RecordedStackTrace stack = e.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) continue;
                first = first == null || at.isBefore(first) ? at : first;
                last = last == null || at.isAfter(last) ? at : last;
                RecordedThread t = e.getThread(e.hasField("sampledThread") ? "sampledThread" : "eventThread");
                List<String[]> frames = new ArrayList<>();
                for (RecordedFrame f : stack.getFrames()) {
                    if (f.isJavaFrame()) frames.add(new String[]{f.getMethod().getType().getName(), f.getMethod().getName()});
                }
                samples.add(new Sample(t == null ? null : t.getJavaName(), frames, stack.isTruncated(), 1));
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("JFR `").append(sampleEvent).append("` events of `").append(file.getFileName()).append("`");
        if (from != Instant.MIN) md.append(" between ").append(from).append(" and ").append(to);
        md.append(": ").append(samples.size()).append(" samples");
        if (first != null) md.append(" (").append(first).append(" – ").append(last).append(")");
        md.append(". Java threads only: JIT compiler and GC threads are not sampled.\n\n");
        if (!compilations.isEmpty()) {
            compilations.sort(Comparator.comparing(RecordedEvent::getDuration, Comparator.reverseOrder()));
            double total = 0;
            for (RecordedEvent c : compilations) total += c.getDuration().toNanos() / 1e9;
            md.append("JIT: ").append(compilations.size()).append(" compilations long enough to be recorded (the "
                    + "settings' threshold, 100 ms with `profile`) took ").append(String.format(Locale.ROOT, "%.1f",
                    total)).append(" s of compiler-thread time in this window; the longest: ");
            List<String> longest = new ArrayList<>();
            for (RecordedEvent c : compilations.subList(0, Math.min(5, compilations.size()))) {
                jdk.jfr.consumer.RecordedMethod m = c.getValue("method");
                longest.add("`" + m.getType().getName() + "." + m.getName() + "` " + String.format(Locale.ROOT,
                        "%.2f s", c.getDuration().toNanos() / 1e9));
            }
            md.append(String.join(", ", longest)).append(".\n\n");
        }
        return md.append(summariseSamples(samples, "samples", top)).toString();
    }

    /**
     * The tables of the class comment for any source of stacks (a JFR recording, async-profiler's collapsed output:
     * {@link AsprofSummary}); {@code unit} names what the weights count.
     */
    static String summariseSamples(List<Sample> samples, String unit, int top) {
        Map<String, Counts> byThread = new LinkedHashMap<>();
        long all = 0;
        for (Sample sample : samples) {
            long w = sample.weight();
            all += w;
            Counts c = byThread.computeIfAbsent(threadGroup(sample.thread()), k -> new Counts());
            c.samples += w;
            if (sample.truncated()) c.truncated += w;
            List<String[]> frames = sample.frames();
            if (frames.isEmpty()) continue;
            String topClass = frames.get(0)[0];
            c.self.merge(group(topClass), w, Long::sum);
            c.selfMethods.merge(topClass + "." + frames.get(0)[1], w, Long::sum);
            String caller = JDK;
            String callerPackage = null;
            String nearest = null;
            Set<String> groups = new HashSet<>();
            Set<String> ours = new HashSet<>();
            for (String[] f : frames) {
                String cls = f[0];
                String g = group(cls);
                groups.add(g);
                if (caller.equals(JDK) && !g.equals(JDK)) {
                    caller = g;
                    int dot = cls.lastIndexOf('.');
                    callerPackage = dot < 0 ? cls : cls.substring(0, dot);
                }
                if (cls.startsWith("io.outpost.") && !cls.contains("$$Lambda")) {
                    String m = cls.substring("io.outpost.".length()) + "." + f[1];
                    ours.add(m);
                    if (nearest == null) nearest = m;
                }
            }
            c.caller.merge(caller, w, Long::sum);
            if (callerPackage != null) c.callerPackages.merge(callerPackage, w, Long::sum);
            if (nearest != null) c.nearestOutpost.merge(nearest, w, Long::sum);
            for (String g : groups) c.inclusive.merge(g, w, Long::sum);
            for (String m : ours) c.outpostMethods.merge(m, w, Long::sum);
        }
        StringBuilder md = new StringBuilder();
        md.append("| thread group | ").append(unit).append(" | share |\n|---|---:|---:|\n");
        List<Map.Entry<String, Counts>> groups = new ArrayList<>(byThread.entrySet());
        groups.sort(Comparator.comparingLong((Map.Entry<String, Counts> g) -> g.getValue().samples).reversed());
        for (Map.Entry<String, Counts> g : groups) {
            md.append("| ").append(g.getKey()).append(" | ").append(g.getValue().samples).append(" | ")
                    .append(pct(g.getValue().samples, all)).append(" |\n");
        }
        md.append('\n');
        for (Map.Entry<String, Counts> g : groups) {
            Counts c = g.getValue();
            if (c.inclusive.isEmpty()) continue; // no Java frames (the JIT's and the collector's threads)
            if (c.samples < 20 && g.getKey().startsWith("other")) continue;
            md.append("#### ").append(g.getKey()).append(": ").append(c.samples).append(' ').append(unit)
                    .append(c.truncated > 0 ? " (" + c.truncated + " from truncated stacks)" : "").append("\n\n");
            md.append("| library | self (top frame) | JDK work attributed to its caller | on the stack |\n")
                    .append("|---|---:|---:|---:|\n");
            List<String> order = new ArrayList<>(c.inclusive.keySet());
            order.sort(Comparator.comparingLong((String l) -> c.caller.getOrDefault(l, 0L))
                    .thenComparingLong(l -> c.self.getOrDefault(l, 0L)).reversed());
            int shown = 0;
            for (String lib : order) {
                if (shown++ >= 12) break;
                md.append("| ").append(lib).append(" | ").append(pct(c.self.getOrDefault(lib, 0L), c.samples))
                        .append(" | ").append(pct(c.caller.getOrDefault(lib, 0L), c.samples)).append(" | ")
                        .append(pct(c.inclusive.getOrDefault(lib, 0L), c.samples)).append(" |\n");
            }
            md.append("\nTop self methods: ").append(topList(c.selfMethods, c.samples, top)).append("\n\n");
            md.append("Packages the samples are attributed to (first non-JDK frame from the top): ")
                    .append(topList(c.callerPackages, c.samples, 12)).append("\n\n");
            if (!c.outpostMethods.isEmpty()) {
                md.append("Nearest Outpost frame (the Outpost method whose call leads to the sampled work): ")
                        .append(topList(c.nearestOutpost, c.samples, 12)).append("\n\n");
                md.append("Outpost methods most often on the stack: ")
                        .append(topList(c.outpostMethods, c.samples, 10)).append("\n\n");
            }
        }
        return md.toString();
    }

    private static String topList(Map<String, Long> counts, long total, int n) {
        List<Map.Entry<String, Long>> list = new ArrayList<>(counts.entrySet());
        list.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(n, list.size()); i++) {
            out.add("`" + list.get(i).getKey() + "` " + pct(list.get(i).getValue(), total));
        }
        return String.join(", ", out);
    }

    private static String pct(long n, long total) {
        return total == 0 ? "–" : String.format(Locale.ROOT, "%.1f %%", 100.0 * n / total);
    }
}
