-- Webhooks: the outbox becomes one row per transaction (docs/decisions.md, "One outbox row per
-- transaction"), endpoints, a per-endpoint fan-out marker and the delivery log.

-- One row per emitting transaction: its events' types and data, in order. Event i of batch B
-- has the id `B.<i, zero-padded>`; the events API and the delivery worker expand the rows.
create table event_batches (
  business_id text not null references businesses (id),
  id text not null,
  created_at timestamptz not null,
  types text[] not null,
  -- json, not jsonb: stored as written and sent as is; nothing queries inside it.
  data json not null,
  primary key (business_id, id)
);
create index event_batches_list on event_batches (business_id, created_at desc, id desc);
create index event_batches_created on event_batches (created_at);
-- A bulk call's batch is ~100 KB of JSON. Where the server has lz4 (PostgreSQL built with it),
-- compress it with lz4: a third less WAL per bulk call at no measurable CPU cost. Elsewhere
-- (PGlite) store it out of line uncompressed: pglz on the hot path cost more CPU than the
-- invoice rows (docs/PERFORMANCE.md).
do $$
begin
  alter table event_batches alter column data set compression lz4;
exception when others then
  alter table event_batches alter column data set storage external;
end $$;

insert into event_batches (business_id, id, created_at, types, data)
select business_id, id, created_at, array[type], json_build_array(payload -> 'data') from events;
drop table events;

create table webhook_endpoints (
  business_id text not null references businesses (id),
  id text not null,
  url text not null,
  description text,
  events text[] not null,
  -- The signing secret is stored as is: HMAC needs it, and this is the only copy (docs/webhooks.md).
  secret text not null,
  previous_secret text,
  previous_secret_until timestamptz,
  disabled boolean not null default false,
  disabled_reason text,
  failing_since timestamptz,
  -- Which worker drains this endpoint right now (a lease), so deliveries go out one at a time, in order.
  drain_by text,
  drain_until timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id)
);

-- Written by the emitting transaction, one tiny row per (batch, subscribed endpoint): work the
-- endpoint's drain job must fan out into deliveries. Claiming rows (not a "last id seen"
-- cursor) means a transaction that commits late is never skipped.
create table webhook_queue (
  business_id text not null,
  endpoint_id text not null,
  batch_id text not null,
  primary key (business_id, endpoint_id, batch_id),
  foreign key (business_id, endpoint_id) references webhook_endpoints (business_id, id) on delete cascade,
  foreign key (business_id, batch_id) references event_batches (business_id, id) on delete cascade
);

create table webhook_deliveries (
  business_id text not null,
  id text not null,
  endpoint_id text not null,
  batch_id text not null,
  seq int not null,
  event_type text not null,
  status text not null check (status in ('pending', 'delivered', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  last_status_code int,
  last_error text,
  response_excerpt text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, endpoint_id) references webhook_endpoints (business_id, id) on delete cascade,
  foreign key (business_id, batch_id) references event_batches (business_id, id) on delete cascade
);
create index webhook_deliveries_log on webhook_deliveries (business_id, endpoint_id, id);
create index webhook_deliveries_due on webhook_deliveries (business_id, endpoint_id, batch_id, seq) where status = 'pending';
