-- Rebuilds and visibility changes without a feed reset (docs/rebuild.md).

-- "No longer visible to you": a record of a visibility-owner collection that a user (lost_by) could see and no longer
-- can, at a feed position of its own (drawn from change_seq like every feed row, under the tenant's feed lock).
-- lost_by = '' means everyone who cannot see the record now (a collection that went from tenant to owner
-- visibility). A pull sends such a row as a tombstone to a caller who matches lost_by and cannot see the record now;
-- one row per (record, lost_by) at its latest position is enough for that.
CREATE TABLE feed_removals (
    tenant     VARCHAR(64)  NOT NULL,
    collection VARCHAR(63)  NOT NULL,
    id         VARCHAR(128) NOT NULL,
    lost_by    VARCHAR(255) NOT NULL,
    change_seq BIGINT       NOT NULL,
    PRIMARY KEY (tenant, collection, id, lost_by)
);
CREATE INDEX feed_removals_feed ON feed_removals (tenant, change_seq);

-- A record's owner changed (an update of its owner-field, a rebuild, a changed owner-field): its old owner loses sight
-- of it. Runs inside the statement that moved it, so in the transaction that holds the tenant's feed lock.
CREATE FUNCTION feed_owner_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO feed_removals (tenant, collection, id, lost_by, change_seq)
    VALUES (OLD.tenant, OLD.collection, OLD.id, OLD.owner, nextval('change_seq'))
    ON CONFLICT (tenant, collection, id, lost_by) DO UPDATE SET change_seq = excluded.change_seq;
    RETURN NULL;
END $$;
-- (ProjectionRebuild creates this trigger again on the table a reset rebuild swaps in.)
CREATE TRIGGER records_owner_moved AFTER UPDATE OF owner ON records FOR EACH ROW
    WHEN (OLD.owner IS NOT NULL AND OLD.owner IS DISTINCT FROM NEW.owner)
    EXECUTE FUNCTION feed_owner_moved();

-- The owner-field and visibility in effect per declared collection, for every node: a node configured otherwise
-- refuses to start unless told to apply the change (CollectionVisibility, docs/rebuild.md). A collection without a
-- row has the defaults (visibility tenant, no owner-field).
CREATE TABLE collection_visibility (
    collection  VARCHAR(63)  PRIMARY KEY,
    visibility  VARCHAR(16)  NOT NULL,
    owner_field VARCHAR(255),
    applied_at  TIMESTAMPTZ  NOT NULL
);
-- false until a node has recorded its configuration the first time (the table then describes the read model)
ALTER TABLE feed_state ADD COLUMN visibility_recorded BOOLEAN NOT NULL DEFAULT false;
