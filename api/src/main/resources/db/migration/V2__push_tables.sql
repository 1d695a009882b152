-- The push path's own tables (the events themselves are in domain_event_entry).

-- A device is bound to the first user that pushes with it; last_op_id is the highest opId processed.
CREATE TABLE devices (
    tenant        VARCHAR(64)  NOT NULL,
    device_id     VARCHAR(64)  NOT NULL,
    user_id       VARCHAR(255) NOT NULL,
    last_op_id    BIGINT       NOT NULL DEFAULT 0,
    first_seen_at TIMESTAMPTZ  NOT NULL,
    last_push_at  TIMESTAMPTZ,
    PRIMARY KEY (tenant, device_id)
);

-- The original result of every processed op, written in the same transaction as the op's events, so a re-sent op
-- is answered from here with "duplicate": true and never applied twice.
CREATE TABLE op_results (
    tenant      VARCHAR(64) NOT NULL,
    device_id   VARCHAR(64) NOT NULL,
    op_id       BIGINT      NOT NULL,
    result      JSONB       NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, device_id, op_id)
);

-- tempId → server-assigned id, per device (id-mode server).
CREATE TABLE temp_ids (
    tenant     VARCHAR(64)  NOT NULL,
    device_id  VARCHAR(64)  NOT NULL,
    temp_id    VARCHAR(128) NOT NULL,
    collection VARCHAR(63)  NOT NULL,
    record_id  VARCHAR(128) NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (tenant, device_id, temp_id)
);

-- Per-tenant, per-collection counters for server-assigned ids.
CREATE TABLE id_sequences (
    tenant     VARCHAR(64) NOT NULL,
    collection VARCHAR(63) NOT NULL,
    last_value BIGINT      NOT NULL,
    PRIMARY KEY (tenant, collection)
);
