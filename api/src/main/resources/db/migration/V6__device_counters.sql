-- Per-device operation counters for GET /admin/stats, advanced by each push in its own transaction.
ALTER TABLE devices
    ADD COLUMN ops_applied    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN ops_merged     BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN ops_conflicts  BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN ops_rejected   BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN ops_duplicates BIGINT NOT NULL DEFAULT 0;
