-- Parked (manual) conflicts, written by the sync-feed processor (query-side, conflicts/ConflictsProjection). The
-- truth is the record's event stream; this is the list the Conflicts API shows.
CREATE TABLE conflicts (
    tenant         VARCHAR(64)  NOT NULL,
    conflict_id    VARCHAR(512) NOT NULL,
    collection     VARCHAR(63)  NOT NULL,
    record_id      VARCHAR(128) NOT NULL,
    device_id      VARCHAR(64)  NOT NULL,
    user_id        VARCHAR(255) NOT NULL,
    op_id          BIGINT       NOT NULL,
    op_type        VARCHAR(16)  NOT NULL,
    base_version   BIGINT       NOT NULL,
    server_version BIGINT       NOT NULL,
    client_data    JSONB,
    server_data    JSONB,
    fields         JSONB        NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    created_at     TIMESTAMPTZ  NOT NULL,
    resolution     JSONB,
    PRIMARY KEY (tenant, conflict_id)
);
CREATE INDEX conflicts_by_status ON conflicts (tenant, status, created_at);
