import { Type } from 'typebox';
import { MAX_INTERVAL, WEEKDAYS } from '../domain/schedule.ts';
import { LineItemInput } from './document-schemas.ts';
import { ClientId, Closed, CurrencyCode, DateString, Id, Nullable, StateCode, Text, Timestamp } from './schemas.ts';

/** Recurring templates (SPEC §11): the wire shapes of /api/v1/recurring-templates and /bulk/recurring-templates. */
const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const ScheduleInput = Closed(
  {
    frequency: literals(['day', 'week', 'month', 'year']),
    interval: Type.Integer({ minimum: 1, maximum: MAX_INTERVAL, description: 'Every N days, weeks, months or years.' }),
    day_of_month: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 31 }), Type.Literal('last')], { description: 'Monthly only: 1–31 (31 → the last day of shorter months) or "last".' })),
    weekday: Type.Optional(literals(WEEKDAYS)),
  },
  { description: 'Dates are calendar dates in the business time zone.' },
);

// One object rather than a union of three, so that a bad field is named exactly (end.count).
export const EndInput = Closed(
  {
    type: literals(['never', 'on_date', 'after_count']),
    date: Type.Optional({ ...DateString, description: 'on_date: the last date that may be invoiced.' }),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'after_count: how many invoices in all.' })),
  },
  { description: '{type: "never"} | {type: "on_date", date} | {type: "after_count", count}' },
);

const Mode = literals(['draft', 'finalize', 'send']);
const DueDays = Type.Integer({ minimum: 0, maximum: 3650, description: "due_date = date + due_days; default: the customer's payment terms." });
const Lines = Type.Array(LineItemInput, { minItems: 1, maxItems: 10_000 });

const templateFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  currency: Type.Optional(CurrencyCode),
  place_of_supply: Type.Optional(StateCode),
  description: Type.Optional(Text(2000)),
  notes: Type.Optional(Text(2000)),
  line_items: Lines,
  schedule: ScheduleInput,
  end: EndInput,
  due_days: Type.Optional(DueDays),
  mode: Mode,
  include_delayed_charges: Type.Optional(Type.Boolean({ description: "Sweep the customer's pending delayed charges into each invoice (as POST /api/v1/invoices/batch)." })),
};

export const TemplateInput = Closed({
  id: Type.Optional(ClientId),
  customer_id: Id,
  start_date: DateString,
  backfill: Type.Optional(Type.Boolean({ description: 'Allow a start_date before today: every date since then gets its invoice.' })),
  ...templateFields,
});

export const TemplatePatch = Closed(
  {
    name: Type.Optional(templateFields.name),
    currency: Type.Optional(Nullable(CurrencyCode)),
    place_of_supply: Type.Optional(Nullable(StateCode)),
    description: Type.Optional(Nullable(Text(2000))),
    notes: Type.Optional(Nullable(Text(2000))),
    line_items: Type.Optional(Lines),
    schedule: Type.Optional(ScheduleInput),
    end: Type.Optional(EndInput),
    due_days: Type.Optional(Nullable(DueDays)),
    mode: Type.Optional(Mode),
    include_delayed_charges: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1 },
);

export const MakeRecurringInput = Closed({
  id: Type.Optional(ClientId),
  name: Type.Optional(templateFields.name),
  schedule: ScheduleInput,
  start_date: Type.Optional({ ...DateString, description: 'Default: the next date of the schedule after the invoice date, not before today.' }),
  end: EndInput,
  due_days: Type.Optional(DueDays),
  mode: Mode,
  include_delayed_charges: templateFields.include_delayed_charges,
});

const Str = Type.String();
const NullableStr = Nullable(Str);

export const TemplateResponse = Type.Object({
  id: Str,
  object: Type.Literal('recurring_template'),
  business_id: Str,
  name: Str,
  status: literals(['active', 'paused', 'completed', 'canceled']),
  customer_id: Str,
  currency: NullableStr,
  place_of_supply: NullableStr,
  description: NullableStr,
  notes: NullableStr,
  line_items: Lines,
  schedule: ScheduleInput,
  start_date: Str,
  end: EndInput,
  due_days: Nullable(Type.Integer()),
  mode: Mode,
  include_delayed_charges: Type.Boolean(),
  backfill: Type.Boolean(),
  next_invoice_date: NullableStr,
  last_invoice_date: NullableStr,
  invoices_generated: Type.Integer(),
  consecutive_failures: Type.Integer(),
  last_error: NullableStr,
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const PreviewResponse = Type.Object({ template_id: Str, dates: Type.Array(Str) });
