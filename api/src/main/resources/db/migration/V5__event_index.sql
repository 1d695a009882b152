-- Which tenant each stored event belongs to, by global position, so a tenant's export pages with one index range
-- scan whatever the size of the store (query-side, audit/EventIndexProjection). Axon's table has no tenant column,
-- and free-standing events carry their tenant only in metadata.
CREATE TABLE event_index (
    tenant       VARCHAR(64) NOT NULL,
    global_index BIGINT      NOT NULL,
    PRIMARY KEY (tenant, global_index)
);
