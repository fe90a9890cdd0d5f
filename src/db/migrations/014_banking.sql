-- Bank accounts, imported statement lines and their reconciliation (SPEC §13). Each bank
-- account has its own ledger account under Cash and Bank ('1000-NN', parent_code '1000').

alter table accounts add column parent_code text;

create table bank_accounts (
  business_id text not null references businesses (id),
  id text not null,
  name text not null,
  currency text not null,
  last4 text,
  account_code text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  unique (business_id, account_code),
  foreign key (business_id, account_code) references accounts (business_id, code)
);
create index bank_accounts_list on bank_accounts (business_id, created_at desc, id desc);

-- One row per import of a statement file; counts advance with each committed chunk.
create table bank_statements (
  business_id text not null,
  id text not null,
  bank_account_id text not null,
  s3_key text not null,
  format text not null check (format in ('csv', 'ofx', 'camt053')),
  import_id text,
  imported bigint not null default 0,
  duplicates bigint not null default 0,
  matched bigint not null default 0,
  unmatched bigint not null default 0,
  balance_mismatches bigint not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, bank_account_id) references bank_accounts (business_id, id),
  foreign key (business_id, import_id) references imports (business_id, id)
);
create index bank_statements_list on bank_statements (business_id, bank_account_id, created_at desc, id desc);

-- `dedupe_key` is the bank's own id ('id:' || transaction_id) or the fingerprint of
-- docs/banking.md ('fp:' …). The unique key makes an overlapping statement, also one
-- imported at the same moment by another request, add each transaction once.
create table bank_transactions (
  business_id text not null,
  id text not null,
  bank_account_id text not null,
  statement_id text not null,
  line_number bigint not null,
  date date not null,
  amount bigint not null check (amount <> 0),
  currency text not null,
  description text not null,
  reference text,
  transaction_id text,
  balance bigint,
  dedupe_key text not null,
  status text not null check (status in ('unmatched', 'matched', 'ignored')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  unique (business_id, bank_account_id, dedupe_key),
  foreign key (business_id, bank_account_id) references bank_accounts (business_id, id),
  foreign key (business_id, statement_id) references bank_statements (business_id, id)
);
create index bank_transactions_list on bank_transactions (business_id, created_at desc, id desc);
create index bank_transactions_account on bank_transactions (business_id, bank_account_id, date, status);

alter table payments add column bank_transaction_id text;
alter table payments add foreign key (business_id, bank_transaction_id) references bank_transactions (business_id, id);
create index payments_bank_transaction on payments (business_id, bank_transaction_id) where bank_transaction_id is not null;

-- Matching looks up the open documents a narration names (invoice number, or bill number
-- for bills), case-insensitively: one indexed query per chunk of statement lines.
create index invoices_open_number on invoices (business_id, upper(coalesce(bill_number, number)))
  where status in ('open', 'partially_paid');

-- A background import is of invoices (CSV) or of a bank statement; `params` holds what the
-- statement import needs (bank account, statement, format, column mapping).
alter table imports add column kind text not null default 'invoices' check (kind in ('invoices', 'bank_statement'));
alter table imports add column params json;
