-- Business profile: what an invoice prints about its issuer (rule 46 / EU VAT art. 226).
-- The logo lives in its own table so that reading a business never drags image bytes along.
-- Documents keep the party's address, state and GSTIN as they were when issued.

alter table businesses
  add column legal_name text,
  add column address jsonb,
  add column tax_id text,
  add column locale text,
  add column time_zone text,
  add column footer text,
  add column terms text;

create table business_logos (
  business_id text not null references businesses (id),
  content_type text not null check (content_type in ('image/png', 'image/jpeg')),
  data bytea not null,
  updated_at timestamptz not null,
  primary key (business_id)
);

alter table invoices
  add column party_address jsonb,
  add column party_state text,
  add column party_gstin text;
