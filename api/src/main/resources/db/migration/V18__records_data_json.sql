-- The read model keeps each record's data as the JSON text the server wrote (json: checked to be JSON and stored as
-- written) instead of parsing it into jsonb on every write. Nothing queries inside the data except a visibility
-- change's owner-field (->, ->>, json_typeof work on json), and the rebuild compares rows as jsonb; a pull passes the
-- text through as it is. Measured (docs/benchmarks.md, ninth step): the jsonb parse was ~4 µs of PostgreSQL's CPU per
-- written row, a json check ~1, inside the part of a push that holds the tenant's feed lock.
ALTER TABLE records ALTER COLUMN data TYPE json USING data::json;
