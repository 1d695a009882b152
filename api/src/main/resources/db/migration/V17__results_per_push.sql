-- Op results are stored one row per push (per transaction of a push: a push with op groups writes one per segment)
-- instead of one row per op: a 200-op push wrote 200 rows with their index entries and 200 JSONB values for PostgreSQL
-- to parse, which was about a third of the rows the write path inserts per op (docs/benchmarks.md, "Sixth step").
-- The results are the JSON array the push answered (in op order, without "duplicate"), as text: the server is the only
-- reader, and it reads them only for a re-sent op. op_digests holds each op's 32-byte digest (push/OpDigest) in the
-- same order; a row migrated from a result stored before digests (V8) has none.
CREATE TABLE push_results (
    tenant      VARCHAR(64) NOT NULL,
    device_id   VARCHAR(64) NOT NULL,
    first_op_id BIGINT      NOT NULL,
    last_op_id  BIGINT      NOT NULL,
    op_count    INT         NOT NULL,
    results     TEXT        NOT NULL,
    op_digests  BYTEA       NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, device_id, last_op_id),
    CHECK (first_op_id <= last_op_id AND op_count >= 1)
);

INSERT INTO push_results (tenant, device_id, first_op_id, last_op_id, op_count, results, op_digests, recorded_at)
SELECT tenant, device_id, op_id, op_id, 1, jsonb_build_array(result)::text, COALESCE(op_digest, ''::bytea), recorded_at
FROM op_results;

DROP TABLE op_results;

-- The event identifier's unique index: a random UUID per event, one more B-tree insert at a random page for every
-- event appended, and nothing reads events by it (the aggregate/sequence key and global_index are what Axon's JDBC
-- storage engine uses; the audit export reads the identifier, never looks it up). Identifiers stay random UUIDs.
ALTER TABLE domain_event_entry DROP CONSTRAINT IF EXISTS domain_event_entry_event_identifier_key;
