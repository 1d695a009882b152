-- Who tried to get in (io.outpost.api.security.SecurityEvents, GET /admin/security-events): failed logins, refused
-- tokens, device, role, rate-limit and tenant refusals. Never a password or a token. Written in batches by one
-- background writer; rows older than sync.security.events.retention are deleted by the hourly retention run.
-- tenant is null when the caller's tenant is not trustworthy (e.g. a token whose signature does not verify).
CREATE TABLE security_events (
    id        BIGSERIAL    PRIMARY KEY,
    at        TIMESTAMPTZ  NOT NULL,
    type      VARCHAR(32)  NOT NULL,
    address   VARCHAR(64)  NOT NULL,
    user_id   VARCHAR(255),
    tenant    VARCHAR(64),
    device_id VARCHAR(128),
    endpoint  VARCHAR(300) NOT NULL,
    reason    VARCHAR(500) NOT NULL
);
-- the endpoint pages a tenant's events by id (newest last); events without a tenant are counted through it too
CREATE INDEX security_events_by_tenant ON security_events (tenant, id);
-- the retention delete
CREATE INDEX security_events_by_time ON security_events (at);
