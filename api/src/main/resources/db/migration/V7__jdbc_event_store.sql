-- Axon's JDBC event store inserts events without global_index and takes it from the column's default; the sequence
-- still steps by 1 (the gap-aware tracking token must not see allocation gaps).
ALTER TABLE domain_event_entry ALTER COLUMN global_index SET DEFAULT nextval('domain_event_entry_global_index_seq');
ALTER SEQUENCE domain_event_entry_global_index_seq OWNED BY domain_event_entry.global_index;
