package io.outpost.api.push;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.outpost.api.web.dto.OperationResult;
import java.sql.Array;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The push path's own tables: stored op results (dedupe), temp-id mappings and the server-assigned id sequences. Every method joins the caller's transaction.
 */
@Repository
class PushStore {

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

    Map<Long, Stored> storedResults(String tenant, String deviceId, Collection<Long> opIds) {
        Map<Long, Stored> found = new HashMap<>();
        if (opIds.isEmpty()) return found;
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT op_id, result, op_digest FROM op_results "
                    + "WHERE tenant = ? AND device_id = ? AND op_id = ANY (?)");
            ps.setString(1, tenant);
            ps.setString(2, deviceId);
            Array array = con.createArrayOf("bigint", opIds.toArray());
            ps.setArray(3, array);
            return ps;
        }, rs -> {
            found.put(rs.getLong(1), new Stored(read(rs.getString(2)), rs.getBytes(3)));
        });
        return found;
    }

    /** {@code digests[i]} is the digest of the op {@code results.get(i)} answers. */
    void saveResults(String tenant, String deviceId, List<OperationResult> results, List<byte[]> digests,
                     Instant now) {
        if (results.isEmpty()) return;
        Timestamp at = Timestamp.from(now);
        List<Object[]> rows = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            OperationResult r = results.get(i);
            rows.add(new Object[]{tenant, deviceId, r.opId(), write(r), at, digests.get(i)});
        }
        jdbc.batchUpdate("INSERT INTO op_results (tenant, device_id, op_id, result, recorded_at, op_digest) "
                + "VALUES (?, ?, ?, CAST(? AS jsonb), ?, ?)", rows);
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

    private OperationResult read(String json) {
        try {
            return mapper.readValue(json, OperationResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored op result is not readable", e);
        }
    }

    private String write(OperationResult result) {
        try {
            return mapper.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("op result cannot be written", e);
        }
    }
}
