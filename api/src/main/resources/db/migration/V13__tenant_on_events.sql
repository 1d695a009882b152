-- The change feed is now written in the transaction of the push that appends the events (a subscribing processor;
-- docs/architecture.md), so no tracking processor sees every stored event any more to write the audit export's tenant
-- index (event_index). Instead each event row carries its tenant, written by the append statement itself
-- (TenantTaggingAppend), and the export reads one index of the event table.
ALTER TABLE domain_event_entry ADD COLUMN tenant VARCHAR(64);

-- Existing rows: the tenant from each event's metadata (every event carries it; the index had the same values).
UPDATE domain_event_entry
SET tenant = convert_from(meta_data, 'UTF8')::jsonb ->> 'tenant'
WHERE meta_data IS NOT NULL;

CREATE INDEX domain_event_entry_tenant ON domain_event_entry (tenant, global_index) WHERE tenant IS NOT NULL;

DROP TABLE event_index;

-- The feed's tracking token is no longer claimed by anyone.
DELETE FROM token_entry WHERE processor_name = 'sync-feed';
