-- What the push's index entries cost PostgreSQL (docs/benchmarks.md, eleventh step). Run against a database with
-- the server's Flyway schema and some records (a server's database after a benchmark, or a copy of one):
--   psql -d <db> -f bench/sql/index-costs-setup.sql && psql -d <db> -f bench/sql/index-costs-run.sql
-- This part copies the event table and the read model into tables of their own, with and without the index in question.
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS ev_full, ev_notenant, rec_full, rec_nofeed, rec_nofeed_ff;
CREATE TABLE ev_full (LIKE domain_event_entry INCLUDING ALL);
CREATE TABLE ev_notenant (LIKE domain_event_entry INCLUDING ALL);
DO $$ DECLARE i text; BEGIN
  SELECT indexname INTO i FROM pg_indexes WHERE tablename='ev_notenant' AND indexdef LIKE '%(tenant, global_index)%';
  EXECUTE 'DROP INDEX ' || i; END $$;
CREATE TABLE rec_full (LIKE records INCLUDING ALL);
CREATE TABLE rec_nofeed (LIKE records INCLUDING ALL);
CREATE TABLE rec_nofeed_ff (LIKE records INCLUDING ALL) WITH (fillfactor = 80);
DO $$ DECLARE i text; BEGIN
  FOR i IN SELECT indexname FROM pg_indexes WHERE tablename IN ('rec_nofeed','rec_nofeed_ff') AND indexdef LIKE '%change_tx%' LOOP
    EXECUTE 'DROP INDEX ' || i; END LOOP; END $$;
INSERT INTO rec_full SELECT * FROM records WHERE tenant = (SELECT tenant FROM records LIMIT 1) LIMIT 100000;
INSERT INTO rec_nofeed SELECT * FROM rec_full;
INSERT INTO rec_nofeed_ff SELECT * FROM rec_full;
VACUUM ANALYZE rec_full; VACUUM ANALYZE rec_nofeed; VACUUM ANALYZE rec_nofeed_ff;
SELECT tablename, count(*) FROM pg_indexes WHERE tablename IN ('ev_full','ev_notenant','rec_full','rec_nofeed','rec_nofeed_ff') GROUP BY 1 ORDER BY 1;
