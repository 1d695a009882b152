package io.outpost.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The suite's figures, one row per scenario, written to {@code faults/target/fault-report.md} and the console. */
final class FaultReport {

    record Row(String scenario, String fault, long ops, long attempts, String answers, long lost, long doubled,
               String devicesInSync, String timings) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    synchronized void add(String scenario, String fault, RecordSet.Verdict v, Fleet.Run run, String timings) {
        String answers = run == null ? "" : String.format(Locale.ROOT, "200: %d, 503: %d, 502/504: %d, 429: %d, "
                        + "cut: %d, no answer in %d s: %d", run.count(200), run.count(503),
                run.count(502) + run.count(504), run.count(429), run.count(Fleet.CUT),
                Fleet.ANSWER_TIMEOUT.toSeconds(), run.count(Fleet.NO_ANSWER));
        rows.add(new Row(scenario, fault, v.ops(), run == null ? 0 : run.attempts().size(), answers, v.lost(),
                v.doubled() + v.resultsExtra(), v.devicesInSync() + " / " + v.devices(), timings));
    }

    synchronized void note(String line) {
        notes.add(line);
    }

    synchronized void write(Path file, String form) throws IOException {
        StringBuilder md = new StringBuilder("# Fault suite (" + form + " form)\n\n")
                .append("| scenario | fault injected | ops acknowledged | push attempts | answers | lost | doubled "
                        + "| devices whose pull equals the store | timings |\n|---|---|---:|---:|---|---:|---:|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(r.scenario()).append(" | ").append(r.fault()).append(" | ").append(r.ops())
                    .append(" | ").append(r.attempts()).append(" | ").append(r.answers()).append(" | ")
                    .append(r.lost()).append(" | ").append(r.doubled()).append(" | ").append(r.devicesInSync())
                    .append(" | ").append(r.timings()).append(" |\n");
        }
        md.append('\n');
        for (String n : notes) md.append("- ").append(n).append('\n');
        Files.createDirectories(file.getParent());
        Files.writeString(file, md, StandardCharsets.UTF_8);
        System.out.println(md);
    }
}
