package io.outpost.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.bench.BenchDevice;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The end of every scenario: the whole record set of a fleet's tenant checked against what its devices were told.
 * Every op of every device was acknowledged (the {@link Fleet} re-sends until it is), so each record must have
 * exactly as many events as its expected version (fewer: an acknowledged op lost; more: an op applied twice), each
 * device exactly one stored result per opId, and every device's pull (through the load balancer, from an empty
 * cursor) exactly the records and versions the event store holds.
 */
final class RecordSet {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the check found; {@link #lost} and {@link #doubled} are 0 when the promises held. */
    record Verdict(long ops, long records, long lost, long doubled, long resultsMissing, long resultsExtra,
                   int devicesInSync, int devices, String firstProblem) {

        boolean sound() {
            return lost == 0 && doubled == 0 && resultsMissing == 0 && resultsExtra == 0 && devicesInSync == devices;
        }
    }

    private RecordSet() {
    }

    /**
     * Checks the event store and the stored results at once, and waits (up to {@code feedDeadline}) for every
     * device's pull to show the expected state, since the change feed follows the commit asynchronously.
     */
    static Verdict check(DataSource db, Fleet fleet, Function<String, URI> pullUri, Duration feedDeadline)
            throws SQLException, IOException, InterruptedException {
        String tenant = fleet.tenant;
        Map<String, Long> expected = new TreeMap<>();
        for (BenchDevice d : fleet.devices) {
            for (int i = 0; i < d.records(); i++) expected.put(d.recordId(i), d.version(i));
        }
        String problem = null;
        long lost = 0;
        long doubled = 0;
        Map<String, Long> events = counts(db, "SELECT substring(aggregate_identifier from ?), count(*) "
                + "FROM domain_event_entry WHERE aggregate_identifier LIKE ? GROUP BY aggregate_identifier",
                (tenant + "/" + BenchDevice.COLLECTION + "/").length() + 1, tenant + "/" + BenchDevice.COLLECTION + "/%");
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            long stored = events.getOrDefault(e.getKey(), 0L);
            if (stored < e.getValue()) {
                lost += e.getValue() - stored;
                if (problem == null) problem = e.getKey() + ": " + stored + " events, expected " + e.getValue();
            } else if (stored > e.getValue()) {
                doubled += stored - e.getValue();
                if (problem == null) problem = e.getKey() + ": " + stored + " events, expected " + e.getValue();
            }
        }
        for (Map.Entry<String, Long> e : events.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                doubled += e.getValue();
                if (problem == null) problem = e.getKey() + ": a record no device made";
            }
        }
        Map<String, Long> results = counts(db, "SELECT device_id, sum(op_count) FROM push_results WHERE tenant = ? "
                + "GROUP BY device_id", tenant);
        long missing = 0;
        long extra = 0;
        for (BenchDevice d : fleet.devices) {
            long stored = results.getOrDefault(d.deviceId, 0L);
            if (stored < d.lastOpId()) missing += d.lastOpId() - stored;
            if (stored > d.lastOpId()) extra += stored - d.lastOpId();
        }
        int inSync = 0;
        long deadline = System.nanoTime() + feedDeadline.toNanos();
        for (BenchDevice d : fleet.devices) {
            Map<String, Long> pulled;
            do {
                pulled = pullAll(d, pullUri);
                if (pulled.equals(expected)) break;
                Thread.sleep(200);
            } while (System.nanoTime() < deadline);
            if (pulled.equals(expected)) {
                inSync++;
            } else if (problem == null) {
                problem = d.deviceId + " pulled " + pulled.size() + " records, expected " + expected.size()
                        + differences(pulled, expected);
            }
        }
        return new Verdict(fleet.ops(), expected.size(), lost, doubled, missing, extra, inSync,
                fleet.devices.size(), problem);
    }

    private static String differences(Map<String, Long> pulled, Map<String, Long> expected) {
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            Long got = pulled.get(e.getKey());
            if (!e.getValue().equals(got)) return "; e.g. " + e.getKey() + " at " + got + ", expected " + e.getValue();
        }
        for (String id : pulled.keySet()) if (!expected.containsKey(id)) return "; e.g. " + id + " unexpected";
        return "";
    }

    /** The device's pull from an empty cursor, page by page: id → version of every live record. */
    static Map<String, Long> pullAll(BenchDevice d, Function<String, URI> pullUri) throws IOException,
            InterruptedException {
        Map<String, Long> out = new HashMap<>();
        pullRecords(d, pullUri).forEach((id, change) -> out.put(id, change.path("version").asLong()));
        return out;
    }

    /**
     * Ops applied more than once: (device, opId) pairs of the tenant with more than one event. One op makes one event
     * (its change, conflict or rejection), so any such pair is an op applied twice.
     */
    static long doubledOps(DataSource db, String tenant) throws SQLException {
        Map<String, Long> n = counts(db, "SELECT 'pairs', count(*) FROM (SELECT m->>'deviceId', m->>'opId' FROM "
                + "(SELECT convert_from(meta_data, 'UTF8')::jsonb AS m FROM domain_event_entry "
                + "WHERE aggregate_identifier LIKE ?) e WHERE m->>'opId' IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d",
                tenant + "/%");
        return n.getOrDefault("pairs", 0L);
    }

    /** The device's pull from an empty cursor: id → the change (version, data, …) of every live record. */
    static Map<String, JsonNode> pullRecords(BenchDevice d, Function<String, URI> pullUri) throws IOException,
            InterruptedException {
        Map<String, JsonNode> out = new HashMap<>();
        String cursor = null;
        for (int page = 0; page < 10_000; page++) {
            String query = "/api/v1/sync/pull?deviceId=" + d.deviceId + "&collections=" + BenchDevice.COLLECTION
                    + "&limit=1000" + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor,
                    StandardCharsets.UTF_8));
            HttpResponse<String> r = send(d.http, HttpRequest.newBuilder(pullUri.apply(query))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + d.token).GET().build());
            if (r.statusCode() != 200) throw new AssertionError("pull: HTTP " + r.statusCode() + ": " + r.body());
            JsonNode root = JSON.readTree(r.body());
            for (JsonNode c : root.path("changes")) {
                if (c.path("deleted").asBoolean()) out.remove(c.path("id").asText());
                else out.put(c.path("id").asText(), c);
            }
            cursor = root.path("cursor").asText();
            if (!root.path("hasMore").asBoolean()) return out;
        }
        throw new AssertionError("pull did not end after 10,000 pages");
    }

    /** Up to five tries (a cut connection or a 5xx): the check runs after the fault, not during it. */
    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException,
            InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() < 500 || attempt == 5) return r;
            } catch (IOException e) {
                if (attempt == 5) throw e;
            }
            Thread.sleep(500);
        }
    }

    private static Map<String, Long> counts(DataSource db, String sql, Object... args) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }
}
