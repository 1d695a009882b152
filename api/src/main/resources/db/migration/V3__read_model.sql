-- The read model and change feed, written by the single-writer "sync-feed" tracking processor in the same
-- transaction as its token (query-side, feed/ChangeFeedProjection).

-- Feed positions. Only the sync-feed processor (one segment, token claimed by one node) takes values, batch after
-- batch, so a committed position is never overtaken by a later commit of a smaller one: no gaps for pullers.
CREATE SEQUENCE change_seq;

-- One row per record: its latest state (a tombstone after a delete) and the feed position of its latest change.
-- Compaction is free; a pull is one range scan of records_feed.
CREATE TABLE records (
    tenant      VARCHAR(64)  NOT NULL,
    collection  VARCHAR(63)  NOT NULL,
    id          VARCHAR(128) NOT NULL,
    version     BIGINT       NOT NULL,
    deleted     BOOLEAN      NOT NULL,
    data        JSONB,
    owner       VARCHAR(255),
    created_by  VARCHAR(255),
    updated_at  TIMESTAMPTZ  NOT NULL,
    updated_by  VARCHAR(255),
    change_seq  BIGINT       NOT NULL,
    PRIMARY KEY (tenant, collection, id)
);
CREATE UNIQUE INDEX records_feed ON records (tenant, change_seq);

-- The highest opId of each device whose effects are in the feed, and the feed position where it got there.
CREATE TABLE device_progress (
    tenant       VARCHAR(64) NOT NULL,
    device_id    VARCHAR(64) NOT NULL,
    last_op_id   BIGINT      NOT NULL,
    progress_seq BIGINT      NOT NULL,
    PRIMARY KEY (tenant, device_id)
);

-- The feed's epoch: a rebuild starts a new one, and cursors of an older epoch get "reset": true.
CREATE TABLE feed_state (
    id    INT    PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO feed_state (id, epoch) VALUES (1, 1);

ALTER TABLE devices ADD COLUMN last_pull_at TIMESTAMPTZ;
