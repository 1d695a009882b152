-- The audit export's tenant index (event_index) is now written by the change feed's processor (sync-feed) instead of
-- a tracking processor of its own (audit-index). Index what that processor had not reached yet, from each event's
-- metadata (the tenant key every event carries), and drop its token: nothing claims it any more.
INSERT INTO event_index (tenant, global_index)
SELECT convert_from(d.meta_data, 'UTF8')::jsonb ->> 'tenant', d.global_index
FROM domain_event_entry d
WHERE d.meta_data IS NOT NULL
  AND convert_from(d.meta_data, 'UTF8')::jsonb ->> 'tenant' IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM event_index i WHERE i.global_index = d.global_index)
ON CONFLICT DO NOTHING;

DELETE FROM token_entry WHERE processor_name = 'audit-index';
