-- Invoicing core: invoices and bills (one table, `kind`, as Xero's ACCREC/ACCPAY),
-- their lines, number series, chart of accounts, journal, payments, outbox events.

create table invoices (
  business_id text not null references businesses (id),
  id text not null,
  kind text not null check (kind in ('invoice', 'bill')),
  status text not null check (status in ('draft', 'open', 'partially_paid', 'manual_paid', 'stripe_paid', 'void')),
  customer_id text,
  vendor_id text,
  party_name text not null,
  party_email text,
  number text,
  bill_number text,
  currency text not null,
  date date not null,
  due_date date not null,
  place_of_supply text,
  tax_regime text not null check (tax_regime in ('intra', 'inter', 'simple')),
  description text,
  reference text,
  subtotal bigint not null,
  discount_total bigint not null,
  cgst bigint not null,
  sgst bigint not null,
  igst bigint not null,
  tax bigint not null,
  tax_total bigint not null,
  total bigint not null,
  total_paid bigint not null default 0,
  hosted_token text not null,
  order_id text,
  import_id text,
  entity_id text,
  stripe_invoice_id text,
  recurring_template_id text,
  delivered boolean not null default false,
  delivered_on timestamptz,
  paid_on timestamptz,
  finalized_at timestamptz,
  voided_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, customer_id) references customers (business_id, id),
  foreign key (business_id, vendor_id) references vendors (business_id, id),
  check ((kind = 'invoice') = (customer_id is not null)),
  check ((kind = 'bill') = (vendor_id is not null and bill_number is not null)),
  check (total_paid >= 0 and total_paid <= total),
  check (total = subtotal + tax_total)
);
create unique index invoices_number on invoices (business_id, number) where number is not null;
create unique index invoices_bill_number on invoices (business_id, vendor_id, bill_number) where kind = 'bill';
create unique index invoices_hosted_token on invoices (business_id, hosted_token);
create index invoices_list on invoices (business_id, kind, created_at desc, id desc);
create index invoices_customer on invoices (business_id, customer_id) where customer_id is not null;
create index invoices_vendor on invoices (business_id, vendor_id) where vendor_id is not null;
create index invoices_import on invoices (business_id, import_id) where import_id is not null;

create table invoice_lines (
  business_id text not null,
  invoice_id text not null,
  id text not null,
  position int not null,
  item_id text,
  name text not null,
  description text,
  hsn_code text,
  quantity numeric(19, 4) not null check (quantity > 0),
  unit_price bigint not null check (unit_price >= 0),
  discount_percent numeric(7, 4),
  discount_amount bigint,
  tax_rate numeric(7, 4) not null,
  amount bigint not null,
  discount bigint not null,
  taxable bigint not null,
  cgst bigint not null,
  sgst bigint not null,
  igst bigint not null,
  tax bigint not null,
  tax_total bigint not null,
  total bigint not null,
  primary key (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id),
  foreign key (business_id, item_id) references items (business_id, id)
);
create index invoice_lines_invoice on invoice_lines (business_id, invoice_id, position);
create index invoice_lines_item on invoice_lines (business_id, item_id) where item_id is not null;

-- Gapless counters: a row is locked by UPDATE … RETURNING inside the committing
-- transaction, so a number exists only if the transaction that took it commits.
create table number_series (
  business_id text not null references businesses (id),
  series text not null,
  period text not null default '',
  last_value bigint not null check (last_value >= 0),
  primary key (business_id, series, period)
);

create table accounts (
  business_id text not null references businesses (id),
  code text not null,
  name text not null,
  type text not null check (type in ('asset', 'liability', 'revenue', 'expense')),
  primary key (business_id, code)
);

create table journal_entries (
  business_id text not null references businesses (id),
  id text not null,
  invoice_id text,
  kind text not null,
  memo text not null,
  currency text not null,
  date date not null,
  created_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id)
);
create index journal_entries_invoice on journal_entries (business_id, invoice_id) where invoice_id is not null;

create table journal_lines (
  business_id text not null,
  entry_id text not null,
  line_no int not null,
  account_code text not null,
  debit bigint not null check (debit >= 0),
  credit bigint not null check (credit >= 0),
  primary key (business_id, entry_id, line_no),
  foreign key (business_id, entry_id) references journal_entries (business_id, id),
  foreign key (business_id, account_code) references accounts (business_id, code),
  check ((debit > 0) <> (credit > 0))
);
create index journal_lines_account on journal_lines (business_id, account_code);

-- Balance is enforced by the database: the lines of an entry are written by one
-- statement, and after each statement every entry it touched must balance. The LATERAL
-- sum per entry walks the primary key index; a join here let PL/pgSQL cache a plan that
-- scanned every line of the business (docs/PERFORMANCE.md, R4).
create function journal_lines_balanced() returns trigger language plpgsql as $$
declare
  bad text;
begin
  select n.entry_id into bad
  from (select distinct business_id, entry_id from new_lines) n
  cross join lateral (
    select sum(l.debit) as debit, sum(l.credit) as credit
    from journal_lines l
    where l.business_id = n.business_id and l.entry_id = n.entry_id
  ) s
  where s.debit <> s.credit
  limit 1;
  if bad is not null then
    raise exception 'journal entry % does not balance', bad using errcode = '23514';
  end if;
  return null;
end $$;

create trigger journal_lines_balanced after insert on journal_lines
  referencing new table as new_lines
  for each statement execute function journal_lines_balanced();

-- The journal is append-only: corrections are reversing entries.
create function journal_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'journal rows are append-only' using errcode = '55000';
end $$;

create trigger journal_lines_immutable before update or delete on journal_lines
  for each row execute function journal_immutable();
create trigger journal_entries_immutable before update or delete on journal_entries
  for each row execute function journal_immutable();

create table payments (
  business_id text not null,
  id text not null,
  invoice_id text not null,
  amount bigint not null check (amount > 0),
  paid_on date not null,
  source text not null check (source in ('manual', 'stripe')),
  reference text,
  journal_entry_id text not null,
  created_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id),
  foreign key (business_id, journal_entry_id) references journal_entries (business_id, id)
);
create index payments_invoice on payments (business_id, invoice_id);

-- Transactional outbox: written in the same transaction as the change it reports.
create table events (
  business_id text not null references businesses (id),
  id text not null,
  type text not null,
  -- json, not jsonb: stored as written and delivered as is; nothing queries inside it.
  payload json not null,
  created_at timestamptz not null,
  primary key (business_id, id)
);
create index events_created on events (created_at, business_id, id);
-- Payloads are a few KB: keep them inline and uncompressed. Compressing each one at insert
-- (TOAST's default above ~2 KB) cost more CPU than the bulk rows themselves.
alter table events set (toast_tuple_target = 8160);
