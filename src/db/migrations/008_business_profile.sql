-- Business profile: what an invoice prints about its issuer (rule 46 / EU VAT art. 226).
-- The logo lives in its own table so that reading a business never drags image bytes along.

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
