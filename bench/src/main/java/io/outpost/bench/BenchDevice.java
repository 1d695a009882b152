package io.outpost.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One simulated device: its own user, token and HttpClient (HTTP/1.1), strictly increasing opIds across all its
 * pushes, and the records it created with the version each has after its ops, so that every update carries the
 * correct baseVersion and every result can be checked against the version it must report.
 */
public final class BenchDevice {

    public static final String COLLECTION = "dispenses";
    /** Target size of one record's data, serialized. */
    static final int DATA_BYTES = 200;

    static final String[] DRUGS = {"amoxicillin", "paracetamol", "ibuprofen", "metformin", "omeprazole",
            "salbutamol", "ceftriaxone", "artemether"};
    private static final String NOTES = "Checked ID band and allergy list; dose explained to patient and carer. "
            + "Observed intake, no adverse reaction within 15 minutes. ";

    public final String tenant;
    public final String deviceId;
    public final String userId;
    public final String token;
    public final HttpClient http;

    private long nextOpId = 1;
    private int records;
    private long[] versions = new long[256];
    private int updateCursor;

    /** How long a benchmark waits for any one answer. */
    static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    /** The HTTP request that sends {@code push} as this device, to the push endpoint {@code uri}. */
    public HttpRequest pushRequest(URI uri, Push push) {
        return pushRequest(uri, push, REQUEST_TIMEOUT);
    }

    /** As {@link #pushRequest(URI, Push)}, giving up on the answer after {@code timeout}. */
    public HttpRequest pushRequest(URI uri, Push push, Duration timeout) {
        return HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(push.body(), StandardCharsets.UTF_8))
                .build();
    }

    /** Device {@code dev-<index>} of user {@code nurse-<index>} (one user per device) in {@code tenant}. */
    public BenchDevice(TokenSource server, String tenant, int index) {
        this(server, tenant, "dev-" + index, "nurse-" + index);
    }

    /** Device {@code deviceId} of user {@code userId} in {@code tenant}; its records are {@code <deviceId>-<n>}. */
    public BenchDevice(TokenSource server, String tenant, String deviceId, String userId) {
        this.tenant = tenant;
        this.deviceId = deviceId;
        this.userId = userId;
        this.token = server.token(tenant, userId);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** A push, and what each of its results must say. */
    public record Push(String body, int size, long[] opIds, String[] ids, long[] versions) {
    }

    /**
     * A push of {@code creates} new records and {@code updates} updates of records created by earlier pushes,
     * interleaved. Each update targets a different record (round robin over the earlier records).
     */
    public Push push(int creates, int updates) {
        int before = records;
        if (updates > 0 && updates > before) {
            throw new IllegalStateException(deviceId + " has " + before + " records, too few for " + updates
                    + " updates in one push");
        }
        int n = creates + updates;
        long[] opIds = new long[n];
        String[] ids = new String[n];
        long[] expected = new long[n];
        StringBuilder body = new StringBuilder(n * (DATA_BYTES + 120) + 64);
        body.append("{\"deviceId\":\"").append(deviceId).append("\",\"operations\":[");
        int c = 0;
        int u = 0;
        for (int i = 0; i < n; i++) {
            boolean update = u < updates && (c >= creates || i % 2 == 0);
            if (i > 0) body.append(',');
            long opId = nextOpId++;
            opIds[i] = opId;
            int index;
            if (update) {
                index = updateCursor++ % before;
                u++;
            } else {
                index = newRecord();
                c++;
            }
            ids[i] = recordId(index);
            expected[i] = appendOp(body, opId, index, update);
        }
        body.append("]}");
        return new Push(body.toString(), n, opIds, ids, expected);
    }

    /**
     * A push of {@code count} updates of this device's record {@code index} (0 = its first record), one after
     * another, each at the next baseVersion (a hot record's history is made this way).
     */
    Push updatesOf(int index, int count) {
        if (index < 0 || index >= records) throw new IllegalArgumentException(deviceId + " has no record " + index);
        long[] opIds = new long[count];
        String[] ids = new String[count];
        long[] expected = new long[count];
        StringBuilder body = new StringBuilder(count * 160 + 64);
        body.append("{\"deviceId\":\"").append(deviceId).append("\",\"operations\":[");
        for (int i = 0; i < count; i++) {
            if (i > 0) body.append(',');
            long opId = nextOpId++;
            opIds[i] = opId;
            ids[i] = recordId(index);
            expected[i] = appendOp(body, opId, index, true);
        }
        body.append("]}");
        return new Push(body.toString(), count, opIds, ids, expected);
    }

    /** The opId of the device's latest op (0 before its first). */
    public long lastOpId() {
        return nextOpId - 1;
    }

    /** How many records the device has created. */
    public int records() {
        return records;
    }

    /** A push of one operation: the {@code seq}-th single op; even ones (and the first) create, odd ones update. */
    Push single(int seq) {
        boolean update = seq % 2 == 1 && records > 0;
        return update ? push(0, 1) : push(1, 0);
    }

    private int newRecord() {
        if (records == versions.length) versions = Arrays.copyOf(versions, versions.length * 2);
        versions[records] = 0;
        return records++;
    }

    /** The version record {@code index} (0 = the device's first) has once every op made so far is applied. */
    public long version(int index) {
        if (index < 0 || index >= records) throw new IllegalArgumentException(deviceId + " has no record " + index);
        return versions[index];
    }

    /** The id of the device's record {@code index} (0 = its first). */
    public String recordId(int index) {
        return deviceId + "-" + (index + 1);
    }

    /** Appends one op; returns the version its result must report. */
    private long appendOp(StringBuilder body, long opId, int index, boolean update) {
        body.append("{\"opId\":").append(opId)
                .append(",\"type\":\"").append(update ? "update" : "create")
                .append("\",\"collection\":\"").append(COLLECTION)
                .append("\",\"id\":\"").append(recordId(index)).append('"');
        if (update) {
            long base = versions[index];
            body.append(",\"baseVersion\":").append(base)
                    .append(",\"data\":{\"dose\":").append(1000 + opId % 9000)
                    .append(",\"status\":\"given\",\"checkedBy\":\"").append(userId).append("\"}}");
            versions[index] = base + 1;
        } else {
            body.append(",\"data\":").append(dispense(deviceId, index)).append('}');
            versions[index] = 1;
        }
        return versions[index];
    }

    /**
     * A medication dispense record of {@value #DATA_BYTES} bytes of JSON (the notes field pads it), e.g.
     * {@code {"patient":"P-dev-7-000001","drug":"amoxicillin","dose":500,"unit":"mg","route":"oral",...}}.
     */
    static String dispense(String deviceId, int index) {
        StringBuilder data = new StringBuilder(DATA_BYTES + 16)
                .append("{\"patient\":\"P-").append(deviceId).append('-').append(String.format("%06d", index + 1))
                .append("\",\"drug\":\"").append(DRUGS[index % DRUGS.length])
                .append("\",\"dose\":").append(250 * (1 + index % 4))
                .append(",\"unit\":\"mg\",\"route\":\"oral\",\"ward\":\"B").append(1 + index % 6)
                .append("\",\"givenAt\":\"2026-11-24T10:15:00Z\",\"notes\":\"");
        int room = DATA_BYTES - data.length() - 2;
        for (int i = 0; i < room; i++) data.append(NOTES.charAt(i % NOTES.length()));
        data.append("\"}");
        return data.toString();
    }

    static int dispenseBytes() {
        return dispense("dev-0", 0).getBytes(StandardCharsets.UTF_8).length;
    }
}
