-- Credit notes and debit notes (CGST Act s.34, rule 53): corrections of issued invoices.
-- One table for both kinds, like invoices/bills; their own gapless number series
-- ('credit_note', 'debit_note' in number_series); a customer credit balance per currency.

alter table businesses
  add column credit_note_prefix text not null default 'CN-',
  add column debit_note_prefix text not null default 'DN-';

create table credit_notes (
  business_id text not null references businesses (id),
  id text not null,
  kind text not null check (kind in ('credit_note', 'debit_note')),
  number text not null,
  invoice_id text not null,
  customer_id text not null,
  currency text not null,
  date date not null,
  status text not null check (status in ('issued', 'void')),
  reason text,
  memo text,
  subtotal bigint not null check (subtotal >= 0),
  cgst bigint not null check (cgst >= 0),
  sgst bigint not null check (sgst >= 0),
  igst bigint not null check (igst >= 0),
  tax bigint not null check (tax >= 0),
  tax_total bigint not null,
  total bigint not null check (total > 0),
  pre_payment_amount bigint not null check (pre_payment_amount >= 0),
  refund_amount bigint not null check (refund_amount >= 0),
  credit_amount bigint not null check (credit_amount >= 0),
  out_of_band_amount bigint not null check (out_of_band_amount >= 0),
  hosted_token text not null,
  created_at timestamptz not null,
  voided_at timestamptz,
  primary key (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id),
  foreign key (business_id, customer_id) references customers (business_id, id),
  check (total = subtotal + tax_total),
  check (tax_total = cgst + sgst + igst + tax),
  -- What a note credits is either still unpaid (pre-payment) or settled: refund, customer
  -- credit or out of band. Debit notes carry no settlement.
  check (total = pre_payment_amount + refund_amount + credit_amount + out_of_band_amount or kind = 'debit_note'),
  check (kind = 'credit_note' or pre_payment_amount + refund_amount + credit_amount + out_of_band_amount = 0)
);
create unique index credit_notes_number on credit_notes (business_id, kind, number);
create unique index credit_notes_hosted_token on credit_notes (business_id, hosted_token);
create index credit_notes_invoice on credit_notes (business_id, invoice_id);
create index credit_notes_list on credit_notes (business_id, kind, created_at desc, id desc);

create table credit_note_lines (
  business_id text not null,
  note_id text not null,
  id text not null,
  position int not null,
  invoice_line_id text,
  name text not null,
  hsn_code text,
  quantity numeric(19, 4),
  tax_rate numeric(7, 4) not null,
  taxable bigint not null check (taxable >= 0),
  cgst bigint not null,
  sgst bigint not null,
  igst bigint not null,
  tax bigint not null,
  tax_total bigint not null,
  total bigint not null,
  primary key (business_id, id),
  foreign key (business_id, note_id) references credit_notes (business_id, id),
  foreign key (business_id, invoice_line_id) references invoice_lines (business_id, id)
);
create index credit_note_lines_note on credit_note_lines (business_id, note_id, position);
create index credit_note_lines_invoice_line on credit_note_lines (business_id, invoice_line_id) where invoice_line_id is not null;

-- A note's postings point at it (and at its invoice through invoice_id).
alter table journal_entries add column note_id text;
alter table journal_entries add foreign key (business_id, note_id) references credit_notes (business_id, id);

-- Money a customer holds with the business, per currency: credited by credit notes,
-- consumed when the customer's next invoice in that currency is finalized.
create table customer_credits (
  business_id text not null,
  customer_id text not null,
  currency text not null,
  balance bigint not null check (balance >= 0),
  updated_at timestamptz not null,
  primary key (business_id, customer_id, currency),
  foreign key (business_id, customer_id) references customers (business_id, id)
);

-- An applied customer credit is a payment of the invoice it settles.
alter table payments drop constraint payments_source_check;
alter table payments add constraint payments_source_check check (source in ('manual', 'stripe', 'credit'));

-- What notes did to an invoice. balance_due = total + amount_debited − total_paid −
-- credit_pre_payment; payments may then exceed `total` by what debit notes added.
alter table invoices
  add column amount_credited bigint not null default 0 check (amount_credited >= 0),
  add column credit_pre_payment bigint not null default 0 check (credit_pre_payment >= 0 and credit_pre_payment <= amount_credited),
  add column amount_debited bigint not null default 0 check (amount_debited >= 0);
do $$
declare
  name text;
begin
  select conname into name from pg_constraint
  where conrelid = 'invoices'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%total_paid <= total%';
  execute format('alter table invoices drop constraint %I', name);
end $$;
alter table invoices add constraint invoices_settled_within_total
  check (total_paid >= 0 and total_paid + credit_pre_payment <= total + amount_debited);

-- Existing businesses get the new account; new ones get it with their chart of accounts.
insert into accounts (business_id, code, name, type)
select id, '2300', 'Customer credits', 'liability' from businesses
on conflict do nothing;
