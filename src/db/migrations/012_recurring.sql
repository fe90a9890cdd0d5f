-- Recurring invoices (SPEC §11): templates that bill a customer on a schedule, and the
-- record of which scheduled date made which invoice.

-- Every business has a time zone; its calendar decides "today" (docs/recurring.md).
update businesses set time_zone = 'UTC' where time_zone is null;
alter table businesses alter column time_zone set default 'UTC', alter column time_zone set not null;

create table recurring_templates (
  business_id text not null references businesses (id),
  id text not null,
  name text not null,
  status text not null check (status in ('active', 'paused', 'completed', 'canceled')),
  customer_id text not null,
  currency text,
  place_of_supply text,
  description text,
  notes text,
  -- The lines as the client gave them: item auto-fill happens at each generation.
  line_items jsonb not null,
  frequency text not null check (frequency in ('day', 'week', 'month', 'year')),
  "interval" int not null check ("interval" between 1 and 365),
  day_of_month text,
  weekday text,
  start_date date not null,
  end_type text not null check (end_type in ('never', 'on_date', 'after_count')),
  end_date date,
  end_count int,
  due_days int,
  mode text not null check (mode in ('draft', 'finalize', 'send')),
  include_delayed_charges boolean not null,
  backfill boolean not null,
  -- Null once completed or canceled.
  next_invoice_date date,
  last_invoice_date date,
  invoices_generated int not null default 0,
  consecutive_failures int not null default 0,
  last_error text,
  -- After a failed generation: not tried again before this moment.
  retry_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (business_id, id),
  foreign key (business_id, customer_id) references customers (business_id, id),
  check ((end_type = 'on_date') = (end_date is not null)),
  check ((end_type = 'after_count') = (end_count is not null))
);
-- The scheduler's scan: a business's active templates by due date.
create index recurring_templates_due on recurring_templates (business_id, next_invoice_date, id) where status = 'active';
create index recurring_templates_list on recurring_templates (business_id, created_at desc, id desc);

-- One row per generated invoice. Its primary key makes a second invoice for one template and
-- date impossible, whatever several workers or a crashed one do.
create table recurring_invoices (
  business_id text not null,
  template_id text not null,
  scheduled_date date not null,
  invoice_id text not null,
  primary key (business_id, template_id, scheduled_date),
  unique (business_id, invoice_id),
  foreign key (business_id, template_id) references recurring_templates (business_id, id),
  foreign key (business_id, invoice_id) references invoices (business_id, id)
);

create index invoices_recurring on invoices (business_id, recurring_template_id) where recurring_template_id is not null;
alter table invoices add foreign key (business_id, recurring_template_id) references recurring_templates (business_id, id);
