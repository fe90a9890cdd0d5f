-- Background jobs (CSV imports, webhook delivery, mail): one claim table for every kind.
-- A worker claims due rows with FOR UPDATE SKIP LOCKED and holds them by a lease
-- (locked_by, locked_until); a job is deleted when it is done, so the table stays small.
-- Its history lives in the domain tables (imports, deliveries, invoices).
create table jobs (
  business_id text not null references businesses (id),
  id text not null,
  queue text not null,
  -- At most one WAITING job per (queue, key): asking again before a worker took it is a no-op.
  key text,
  payload jsonb not null,
  attempts int not null default 0,
  run_at timestamptz not null,
  locked_by text,
  locked_until timestamptz,
  failed_at timestamptz,
  last_error text,
  created_at timestamptz not null,
  primary key (business_id, id)
);
create index jobs_due on jobs (queue, run_at) where failed_at is null;
create unique index jobs_waiting_key on jobs (business_id, queue, key) where key is not null and locked_by is null and failed_at is null;

-- Wakes LISTENing workers when the inserting transaction commits (NOTIFY is transactional).
create function jobs_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('billow_jobs', '');
  return null;
end $$;
create trigger jobs_notify after insert on jobs for each statement execute function jobs_notify();
