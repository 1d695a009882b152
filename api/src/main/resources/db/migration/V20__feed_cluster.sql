-- The PostgreSQL cluster the feed's transaction ids (change_tx, V19) were drawn in: its system identifier
-- (pg_control_system()). A database restored into another cluster (pg_dump / pg_restore, logical replication) counts
-- transaction ids from a lower number again, and rows written there would sort before the rows it was restored with:
-- a pull past those would never see them. FeedPositionsCheck compares the identifier at every start and, when the
-- ids went back, moves every feed row to transaction 0 (their order by change_seq stays) and starts a new feed epoch.
-- NULL: not recorded yet (the first start with V20 checks once).
ALTER TABLE feed_state ADD COLUMN cluster_id TEXT;
