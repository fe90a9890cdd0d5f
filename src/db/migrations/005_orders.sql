-- Orders pushed by shops (seeds/003) and the invoices made from them.
-- An order keeps its lines priced at order time (item auto-fill happens when the order is
-- created), so invoicing it later bills what the shop sold, whatever the catalog says then.

create table orders (
  business_id text not null references businesses (id),
  id text not null,
  customer_id text not null,
  currency text not null,
  place_of_supply text,
  meta jsonb not null default '{}',
  status text not null check (status in ('open', 'invoiced', 'cancelled')),
  total bigint not null,
  invoice_id text,
  -- The principal {id, name, type} whose call made the invoice: seeds/003 returns it as
  -- createdBy, also when the invoice is asked for again later.
  invoiced_by jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, customer_id) references customers (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id),
  check ((status = 'invoiced') = (invoice_id is not null and invoiced_by is not null))
);
create index orders_list on orders (business_id, created_at desc, id desc);
create index orders_customer on orders (business_id, customer_id, created_at desc, id desc);

-- Line ids are the shop's (or UUIDv7), unique within their order. An invoice made from an
-- order has one line per order line at the same position. Lines are written only together
-- with their order (same transaction, next statement) and orders are never deleted, so
-- there is no foreign key to orders: its check is a cached generic plan in PGlite's single
-- long-lived session, planned while `orders` was nearly empty, and such a plan picked an
-- index led by business_id alone and then read every order of the business for each line
-- (docs/PERFORMANCE.md).
create table order_lines (
  business_id text not null,
  order_id text not null,
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
  primary key (business_id, order_id, id),
  foreign key (business_id, item_id) references items (business_id, id)
);
create unique index order_lines_position on order_lines (business_id, order_id, position);
create index order_lines_item on order_lines (business_id, item_id) where item_id is not null;

-- At most one invoice per order, whatever path or race makes it.
create unique index invoices_order on invoices (business_id, order_id) where order_id is not null;
