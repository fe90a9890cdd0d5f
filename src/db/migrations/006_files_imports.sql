-- Uploaded files (the object itself lives in the object store) and CSV imports with their
-- checkpoint and error report.

create table files (
  business_id text not null references businesses (id),
  key text not null,
  filename text not null,
  size bigint not null check (size >= 0),
  sha256 text not null,
  created_at timestamptz not null,
  primary key (business_id, key)
);

-- `checkpoint_rows` counts the data rows whose outcome is committed; it advances in the
-- same transaction as the invoices and errors of a chunk, so a restarted worker resumes
-- exactly after the last committed chunk.
create table imports (
  business_id text not null references businesses (id),
  id text not null,
  s3_key text not null,
  status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  finalize boolean not null,
  skip_invalid boolean not null,
  -- All-or-nothing imports check every row before writing any; this records that they passed.
  validated boolean not null default false,
  checkpoint_rows bigint not null default 0,
  rows_total bigint,
  bytes_total bigint not null,
  bytes_processed bigint not null default 0,
  invoices_succeeded bigint not null default 0,
  invoices_failed bigint not null default 0,
  error_count bigint not null default 0,
  message text,
  created_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null,
  primary key (business_id, id)
);
create index imports_list on imports (business_id, created_at desc, id desc);

create table import_errors (
  business_id text not null,
  import_id text not null,
  seq bigint not null,
  row_number bigint not null,
  column_name text,
  invoice_ref text,
  message text not null,
  type text not null,
  value text,
  primary key (business_id, import_id, seq),
  foreign key (business_id, import_id) references imports (business_id, id)
);
