-- Foundation: tenants, principals, tokens, catalog, idempotency.
-- Citus-ready: every tenant table has business_id first in its primary key and in every
-- foreign key; businesses, principals and tokens are the only global (reference) tables.

create table businesses (
  id text primary key,
  name text not null,
  country text not null,
  state text,
  currency text not null,
  gstin text,
  invoice_prefix text not null default 'INV-',
  number_padding int not null default 5 check (number_padding between 1 and 12),
  number_reset text not null default 'never' check (number_reset in ('never', 'fiscal_year')),
  fiscal_year_start_month int not null default 4 check (fiscal_year_start_month between 1 and 12),
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  updated_at timestamptz not null default date_trunc('milliseconds', now())
);

create table principals (
  id text primary key,
  name text not null,
  type text not null check (type in ('admin', 'api')),
  created_at timestamptz not null default date_trunc('milliseconds', now())
);

create table memberships (
  business_id text not null references businesses (id),
  principal_id text not null references principals (id),
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  primary key (business_id, principal_id)
);
create index memberships_principal on memberships (principal_id);

create table tokens (
  id text primary key,
  principal_id text not null references principals (id),
  name text not null,
  prefix text not null,
  hash bytea not null unique,
  scopes text[] not null,
  created_at timestamptz not null default date_trunc('milliseconds', now()),
  revoked_at timestamptz
);

create table customers (
  business_id text not null references businesses (id),
  id text not null,
  name text not null,
  email text,
  currency text,
  billing_address jsonb,
  state text,
  gstin text,
  payment_terms_days int not null default 30,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id)
);
create index customers_list on customers (business_id, created_at desc, id desc);

-- Vendors are parties of the same shape as customers (bills mirror invoices).
create table vendors (like customers including defaults including constraints including indexes);
alter table vendors add foreign key (business_id) references businesses (id);

create table items (
  business_id text not null references businesses (id),
  id text not null,
  name text not null,
  description text,
  unit_price bigint not null check (unit_price >= 0),
  currency text,
  tax_rate numeric(7, 4) not null default 0 check (tax_rate >= 0 and tax_rate <= 100),
  hsn_code text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id)
);
create index items_list on items (business_id, created_at desc, id desc);

-- Idempotency records. business_id is '*' for requests outside any business (admin API),
-- so it carries no foreign key.
create table idempotency_keys (
  business_id text not null,
  principal_id text not null,
  key text not null,
  fingerprint text not null,
  status_code int not null,
  content_type text not null,
  body text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (business_id, principal_id, key)
);
create index idempotency_keys_expiry on idempotency_keys (expires_at);
