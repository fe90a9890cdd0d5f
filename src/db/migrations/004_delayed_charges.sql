-- Delayed charges (seeds/004): amounts recorded between billing runs (metered usage, a
-- one-off fee) that the next batch invoice of the customer sweeps in as lines.
-- A charge is priced when recorded: unit_price (minor units) and tax_rate are stored
-- resolved, so a later change to the item does not change what was agreed.

create table delayed_charges (
  business_id text not null references businesses (id),
  id text not null,
  customer_id text not null,
  item_id text,
  description text not null,
  quantity numeric(19, 4) not null check (quantity > 0),
  unit_price bigint not null check (unit_price >= 0),
  currency text not null,
  tax_rate numeric(7, 4) not null check (tax_rate >= 0 and tax_rate <= 100),
  status text not null check (status in ('pending', 'invoiced')),
  invoice_id text,
  invoiced_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, customer_id) references customers (business_id, id),
  foreign key (business_id, item_id) references items (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id),
  check ((status = 'invoiced') = (invoice_id is not null and invoiced_at is not null))
);
-- The sweep reads customers' pending charges: only pending rows are indexed for it. Few
-- indexes on purpose: the sweep updates every charge it takes, and each index costs an
-- insert per update (status is in an index predicate, so updates are never HOT).
-- Lists filtered by customer use the list index and a filter; the item index serves the
-- foreign-key check when an item is deleted.
create index delayed_charges_pending on delayed_charges (business_id, customer_id, id) where status = 'pending';
create index delayed_charges_list on delayed_charges (business_id, created_at desc, id desc);
create index delayed_charges_item on delayed_charges (business_id, item_id) where item_id is not null;
