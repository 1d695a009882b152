-- Axon Framework's JPA tables, generated once from Axon 4.13's entities under OutpostPostgresDialect and owned here.
-- Payloads and metadata are BYTEA (never OID large objects); global_index has its own sequence stepping by 1
-- (META-INF/orm.xml), so the gap-aware tracking token sees no allocation gaps.

CREATE SEQUENCE association_value_entry_seq start with 1 increment by 50;

CREATE SEQUENCE domain_event_entry_global_index_seq start with 1 increment by 1;

CREATE TABLE association_value_entry (
    id bigint not null,
    association_key varchar(255) not null,
    association_value varchar(255),
    saga_id varchar(255) not null,
    saga_type varchar(255),
    primary key (id));

CREATE TABLE dead_letter_entry (
    enqueued_at timestamp(6) with time zone not null,
    last_touched timestamp(6) with time zone,
    processing_started timestamp(6) with time zone,
    sequence_index bigint not null,
    sequence_number bigint,
    cause_message varchar(1023),
    diagnostics bytea,
    meta_data bytea,
    payload bytea not null,
    token bytea,
    aggregate_identifier varchar(255),
    cause_type varchar(255),
    dead_letter_id varchar(255) not null,
    event_identifier varchar(255) not null,
    message_type varchar(255) not null,
    payload_revision varchar(255),
    payload_type varchar(255) not null,
    processing_group varchar(255) not null,
    sequence_identifier varchar(255) not null,
    time_stamp varchar(255) not null,
    token_type varchar(255),
    type varchar(255),
    primary key (dead_letter_id),
    unique (processing_group,
    sequence_identifier,
    sequence_index));

CREATE TABLE domain_event_entry (
    global_index bigint not null,
    sequence_number bigint not null,
    meta_data bytea,
    payload bytea not null,
    aggregate_identifier varchar(255) not null,
    event_identifier varchar(255) not null unique,
    payload_revision varchar(255),
    payload_type varchar(255) not null,
    time_stamp varchar(255) not null,
    type varchar(255),
    primary key (global_index),
    unique (aggregate_identifier,
    sequence_number));

CREATE TABLE saga_entry (
    serialized_saga bytea,
    revision varchar(255),
    saga_id varchar(255) not null,
    saga_type varchar(255),
    primary key (saga_id));

CREATE TABLE snapshot_event_entry (
    sequence_number bigint not null,
    meta_data bytea,
    payload bytea not null,
    aggregate_identifier varchar(255) not null,
    event_identifier varchar(255) not null unique,
    payload_revision varchar(255),
    payload_type varchar(255) not null,
    time_stamp varchar(255) not null,
    type varchar(255) not null,
    primary key (sequence_number,
    aggregate_identifier,
    type));

CREATE TABLE token_entry (
    segment integer not null,
    token bytea,
    owner varchar(255),
    processor_name varchar(255) not null,
    timestamp varchar(255) not null,
    token_type varchar(255),
    primary key (segment,
    processor_name));

CREATE INDEX IDXk45eqnxkgd8hpdn6xixn8sgft on association_value_entry (saga_type,
    association_key,
    association_value);

CREATE INDEX IDXgv5k1v2mh6frxuy5c0hgbau94 on association_value_entry (saga_id,
    saga_type);

CREATE INDEX IDXe67wcx5fiq9hl4y4qkhlcj9cg on dead_letter_entry (processing_group);

CREATE INDEX IDXrwucpgs6sn93ldgoeh2q9k6bn on dead_letter_entry (processing_group,
    sequence_identifier);

