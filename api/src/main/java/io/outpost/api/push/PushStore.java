package io.outpost.api.push;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.web.dto.OperationResult;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The push path's own tables: stored op results (dedupe; one row per push transaction), temp-id mappings and the server-assigned id sequences. Every method joins the caller's transaction.
 */
@Repository
class PushStore {

    private static final com.fasterxml.jackson.core.type.TypeReference<List<OperationResult>> RESULTS =
            new com.fasterxml.jackson.core.type.TypeReference<>() {
            };

    private final JdbcTemplate jdbc;
    private final ObjectMapper mapper;

    PushStore(JdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    record TempId(String collection, String id) {
    }

    /** A stored result and the digest of the op it answered ({@link OpDigest}; null for results stored before it). */
    record Stored(OperationResult result, byte[] digest) {
    }

    /**
     * The stored results of these ops (already processed: at or below the device's {@code last_op_id}), with their
     * digests: the rows of the pushes whose op range overlaps theirs, read from the newest down.
     */
    Map<Long, Stored> storedResults(String tenant, String deviceId, Collection<Long> opIds) {
        Map<Long, Stored> found = new HashMap<>();
        if (opIds.isEmpty()) return found;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long id : opIds) {
            min = Math.min(min, id);
            max = Math.max(max, id);
        }
        java.util.Set<Long> wanted = new java.util.HashSet<>(opIds);
        jdbc.query("SELECT results, op_digests FROM push_results WHERE tenant = ? AND device_id = ? "
                + "AND last_op_id >= ? AND first_op_id <= ?", rs -> {
            List<OperationResult> results = readAll(rs.getString(1));
            byte[] digests = rs.getBytes(2);
            for (int i = 0; i < results.size(); i++) {
                OperationResult r = results.get(i);
                if (!wanted.contains(r.opId())) continue;
                byte[] digest = digests.length < (i + 1) * OpDigest.LENGTH ? null
                        : Arrays.copyOfRange(digests, i * OpDigest.LENGTH, (i + 1) * OpDigest.LENGTH);
                found.put(r.opId(), new Stored(r, digest));
            }
        }, tenant, deviceId, min, max);
        return found;
    }

    /**
     * Stores the results of one transaction of a push as one row ({@code digests[i]} is the digest of the op
     * {@code results.get(i)} answers).
     */
    void saveResults(String tenant, String deviceId, List<OperationResult> results, List<byte[]> digests,
                     Instant now) {
        if (results.isEmpty()) return;
        byte[] packed = new byte[results.size() * OpDigest.LENGTH];
        for (int i = 0; i < digests.size(); i++) {
            System.arraycopy(digests.get(i), 0, packed, i * OpDigest.LENGTH, OpDigest.LENGTH);
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (OperationResult r : results) {
            first = Math.min(first, r.opId());
            last = Math.max(last, r.opId());
        }
        jdbc.update("INSERT INTO push_results (tenant, device_id, first_op_id, last_op_id, op_count, results, "
                        + "op_digests, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tenant, deviceId, first, last,
                results.size(), write(results), packed, Timestamp.from(now));
    }

    Map<String, TempId> tempIds(String tenant, String deviceId, Collection<String> candidates) {
        Map<String, TempId> found = new HashMap<>();
        if (candidates.isEmpty()) return found;
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT temp_id, collection, record_id FROM temp_ids "
                    + "WHERE tenant = ? AND device_id = ? AND temp_id = ANY (?)");
            ps.setString(1, tenant);
            ps.setString(2, deviceId);
            ps.setArray(3, con.createArrayOf("varchar", candidates.toArray()));
            return ps;
        }, rs -> {
            found.put(rs.getString(1), new TempId(rs.getString(2), rs.getString(3)));
        });
        return found;
    }

    void saveTempId(String tenant, String deviceId, String tempId, TempId mapping, Instant now) {
        jdbc.update("INSERT INTO temp_ids (tenant, device_id, temp_id, collection, record_id, created_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?)", tenant, deviceId, tempId, mapping.collection(), mapping.id(),
                Timestamp.from(now));
    }

    /** Which of these aggregate identifiers have an event stream (one index scan). */
    java.util.Set<String> existingStreams(Collection<String> aggregateIdentifiers) {
        java.util.Set<String> found = new java.util.HashSet<>();
        if (aggregateIdentifiers.isEmpty()) return found;
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT DISTINCT aggregate_identifier FROM domain_event_entry "
                    + "WHERE aggregate_identifier = ANY (?)");
            ps.setArray(1, con.createArrayOf("varchar", aggregateIdentifiers.toArray()));
            return ps;
        }, rs -> {
            found.add(rs.getString(1));
        });
        return found;
    }

    /** Next value of the per-tenant, per-collection id sequence; the row stays locked until commit. */
    long nextId(String tenant, String collection) {
        Long next = jdbc.queryForObject("INSERT INTO id_sequences (tenant, collection, last_value) VALUES (?, ?, 1) "
                + "ON CONFLICT (tenant, collection) DO UPDATE SET last_value = id_sequences.last_value + 1 "
                + "RETURNING last_value", Long.class, tenant, collection);
        return next;
    }

    private List<OperationResult> readAll(String json) {
        try {
            return mapper.readValue(json, RESULTS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored op result is not readable", e);
        }
    }

    private String write(List<OperationResult> results) {
        try {
            return mapper.writerFor(RESULTS).writeValueAsString(results);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("op result cannot be written", e);
        }
    }
}
