-- The change feed ordered by (writing transaction, position) instead of position alone (docs/pull.md, "No gaps").
--
-- Before: a tenant's feed writers drew change_seq values and committed one after another, under the tenant's
-- advisory lock held to the commit, so a committed position never had an uncommitted smaller one below it. That
-- serialised every push of a tenant through its feed rows and its commit (docs/benchmarks.md, tenth step).
-- Now: every feed row also carries the id of the transaction that wrote it (pg_current_xact_id(), a 64-bit,
-- ever-increasing transaction id), a pull reads rows in (change_tx, change_seq) order and only those whose
-- change_tx lies below its snapshot's xmin (pg_snapshot_xmin(pg_current_snapshot())): every transaction below it
-- has ended, and every transaction still to commit has an id at or above it, so nothing can appear later below
-- what a pull has read. Writers no longer wait for each other.
--
-- Existing rows get change_tx 0: they come first, in their old order, and a cursor issued before this migration
-- (a position p) continues exactly as (0, p).
ALTER TABLE records ADD COLUMN change_tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE records ALTER COLUMN change_tx SET DEFAULT pg_current_xact_id()::text::bigint;
DROP INDEX records_feed;
CREATE UNIQUE INDEX records_feed ON records (tenant, change_tx, change_seq);

ALTER TABLE feed_removals ADD COLUMN change_tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feed_removals ALTER COLUMN change_tx SET DEFAULT pg_current_xact_id()::text::bigint;
DROP INDEX feed_removals_feed;
CREATE INDEX feed_removals_feed ON feed_removals (tenant, change_tx, change_seq);

ALTER TABLE device_progress ADD COLUMN progress_tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE device_progress ALTER COLUMN progress_tx SET DEFAULT pg_current_xact_id()::text::bigint;

-- the removal row takes its writer's transaction id with its fresh position
CREATE OR REPLACE FUNCTION feed_owner_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_removals (tenant, collection, id, lost_by, change_seq)
    VALUES (OLD.tenant, OLD.collection, OLD.id, OLD.owner, nextval('change_seq'))
    ON CONFLICT (tenant, collection, id, lost_by) DO UPDATE SET change_seq = excluded.change_seq,
        change_tx = excluded.change_tx;
    RETURN NULL;
END $$;
