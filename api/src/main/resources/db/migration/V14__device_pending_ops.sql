-- What a device last reported of its queue (GET /sync/pull?pendingOps=N, docs/pull.md), for the console's fleet view:
-- the ops it still holds after the push that preceded the pull, and when it said so.
ALTER TABLE devices ADD COLUMN pending_ops BIGINT;
ALTER TABLE devices ADD COLUMN pending_reported_at TIMESTAMPTZ;
