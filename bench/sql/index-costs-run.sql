-- Times 50,000-row event inserts with and without the event table's tenant index and 20,000-row read-model updates
-- with and without the feed index (and with fillfactor 80, so updates can be HOT), three rounds, alternately; WAL
-- bytes beside. Run index-costs-setup.sql first; drop the five copies afterwards.
\set ON_ERROR_STOP on
\pset pager off
CREATE SEQUENCE IF NOT EXISTS idx_bench_seq;
CREATE TEMP TABLE results (what text, round int, ms numeric, wal_bytes numeric);
DO $$
DECLARE r int; v text; t0 timestamptz; w0 pg_lsn; n bigint;
BEGIN
  FOR r IN 1..3 LOOP
    FOREACH v IN ARRAY ARRAY['ev_full','ev_notenant'] LOOP
      t0 := clock_timestamp(); w0 := pg_current_wal_insert_lsn();
      EXECUTE format($q$INSERT INTO %I (event_identifier, aggregate_identifier, sequence_number, type, time_stamp,
          payload_type, payload_revision, payload, meta_data, tenant)
        SELECT gen_random_uuid()::text, 'bench/dispenses/dev-' || (g %% 32) || '-' || nextval('idx_bench_seq'), 0,
          'RecordAggregate', now()::text, 'io.outpost.command.api.RecordCreatedEvent', '2',
          convert_to(repeat(md5(g::text), 15), 'UTF8'), convert_to(repeat(md5((g+1)::text), 5), 'UTF8'), 'bench'
        FROM generate_series(1, 50000) g$q$, v);
      INSERT INTO results VALUES (v, r, extract(epoch FROM clock_timestamp() - t0) * 1000, pg_current_wal_insert_lsn() - w0);
    END LOOP;
    FOREACH v IN ARRAY ARRAY['rec_full','rec_nofeed','rec_nofeed_ff'] LOOP
      t0 := clock_timestamp(); w0 := pg_current_wal_insert_lsn();
      EXECUTE format($q$UPDATE %I SET version = version + 1, updated_at = now(), change_seq = nextval('change_seq'),
          change_tx = pg_current_xact_id()::text::bigint
        WHERE id IN (SELECT id FROM %I ORDER BY random() LIMIT 20000)$q$, v, v);
      INSERT INTO results VALUES (v, r, extract(epoch FROM clock_timestamp() - t0) * 1000, pg_current_wal_insert_lsn() - w0);
    END LOOP;
  END LOOP;
END $$;
SELECT what, round(avg(ms)) AS avg_ms, round(min(ms)) AS min_ms, round(max(ms)) AS max_ms,
       round(avg(wal_bytes) / 1024) AS wal_kib FROM results GROUP BY what ORDER BY what;
SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname LIKE 'rec_%' ORDER BY 1;
