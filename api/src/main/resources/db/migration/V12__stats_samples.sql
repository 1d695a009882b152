-- The tenant's figures over time for the console's charts (GET /api/v1/admin/stats/history), written by
-- admin/StatsHistorySampler every outpost.stats.sample-interval and kept for outpost.stats.retention.
-- ops_*: the tenant's operation counters (sums of devices.ops_*) at that time, so the ops per interval are the
-- differences between samples. projection_lag_*: the change feed's lag then, as /admin/stats reports it.
-- pushes / push_latency_ms: the push requests of the sampling node in the interval before, and their mean time
-- (null without a push). One row per tenant and interval: a second node sampling the same interval adds nothing.
CREATE TABLE stats_samples (
    tenant                  VARCHAR(64)      NOT NULL,
    at                      TIMESTAMPTZ      NOT NULL,
    ops_applied             BIGINT           NOT NULL,
    ops_merged              BIGINT           NOT NULL,
    ops_conflicts           BIGINT           NOT NULL,
    ops_rejected            BIGINT           NOT NULL,
    ops_duplicates          BIGINT           NOT NULL,
    open_conflicts          BIGINT           NOT NULL,
    projection_lag_events   BIGINT           NOT NULL,
    projection_lag_seconds  DOUBLE PRECISION NOT NULL,
    pushes                  BIGINT           NOT NULL,
    push_latency_ms         DOUBLE PRECISION,
    PRIMARY KEY (tenant, at)
);
CREATE INDEX stats_samples_by_time ON stats_samples (at);
