-- Versioned collection schemas (docs/schema-versions.md): the collection schema version each record's data is stored
-- in, so a pull serves it in the shape the app asks for. Rows written before versions existed are version 1.
ALTER TABLE records ADD COLUMN schema_version integer NOT NULL DEFAULT 1;
