-- Payments from Stripe (SPEC §12) and secrets encrypted at rest (docs/stripe.md).

-- One row, global: a constant sealed with the key that seals every secret, so a process
-- started with another key fails at start-up instead of at the first webhook it signs.
create table secret_key_check (
  id int primary key check (id = 1),
  sealed text not null
);

-- Webhook endpoint secrets are sealed from now on (AES-256-GCM, src/modules/secrets); the
-- clear ones written before this migration are sealed by the first start with a key.
comment on column webhook_endpoints.secret is 'sealed:v1:… (AES-256-GCM under BILLOW_SECRET_KEY)';

create table stripe_connections (
  business_id text primary key references businesses (id),
  -- Both sealed (sealed:v1:…); never returned by the API.
  secret_key text not null,
  webhook_secret text not null,
  mode text not null check (mode in ('test', 'live')),
  push text not null check (push in ('on_finalize', 'manual')),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- The Stripe customer of a Billow customer, found or created once.
create table stripe_customers (
  business_id text not null,
  customer_id text not null,
  stripe_customer_id text not null,
  created_at timestamptz not null,
  primary key (business_id, customer_id),
  foreign key (business_id, customer_id) references customers (business_id, id)
);

-- The push of one invoice: where it got to (each step commits with its result, so a
-- restarted job resumes after the last step Stripe confirmed) and how it ended.
create table stripe_invoice_syncs (
  business_id text not null,
  invoice_id text not null,
  status text not null check (status in ('pending', 'synced', 'failed')),
  step text not null check (step in ('customer', 'invoice', 'lines', 'finalize', 'done')),
  stripe_customer_id text,
  stripe_invoice_id text,
  payment_url text,
  error text,
  uncollectible boolean not null default false,
  queued_at timestamptz not null,
  synced_at timestamptz,
  updated_at timestamptz not null,
  primary key (business_id, invoice_id),
  foreign key (business_id, invoice_id) references invoices (business_id, id)
);

create unique index invoices_stripe_invoice on invoices (business_id, stripe_invoice_id) where stripe_invoice_id is not null;

-- Every Stripe event taken, written in the transaction of its effect: a redelivery finds
-- its id here and has no second effect.
create table stripe_events (
  business_id text not null references businesses (id),
  event_id text not null,
  type text not null,
  invoice_id text,
  outcome text not null,
  received_at timestamptz not null,
  primary key (business_id, event_id)
);

-- Each Stripe payment (payment intent or charge) seen on an invoice, whether or not it added
-- a Billow payment (invoice.paid may have settled it first), and what was refunded of it.
create table stripe_invoice_payments (
  business_id text not null,
  stripe_payment_id text not null,
  invoice_id text not null,
  amount bigint not null check (amount >= 0),
  amount_refunded bigint not null default 0 check (amount_refunded >= 0),
  created_at timestamptz not null,
  primary key (business_id, stripe_payment_id),
  foreign key (business_id, invoice_id) references invoices (business_id, id)
);
create index stripe_invoice_payments_invoice on stripe_invoice_payments (business_id, invoice_id);
