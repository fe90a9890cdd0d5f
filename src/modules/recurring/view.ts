import type { RecurringTemplateRow } from '../../db/schema.ts';
import type { End, Schedule, Weekday } from '../../domain/schedule.ts';
import type { LineItemInput } from '../invoicing/types.ts';
import type { TemplateView } from './types.ts';

/** The schedule a row stores in columns (day_of_month as text: a number or "last"). */
export function scheduleOf(row: Pick<RecurringTemplateRow, 'frequency' | 'interval' | 'day_of_month' | 'weekday'>): Schedule {
  const dom = row.day_of_month;
  return {
    frequency: row.frequency,
    interval: row.interval,
    ...(dom === null ? {} : { day_of_month: dom === 'last' ? 'last' : Number(dom) }),
    ...(row.weekday === null ? {} : { weekday: row.weekday as Weekday }),
  };
}

export function endOf(row: Pick<RecurringTemplateRow, 'end_type' | 'end_date' | 'end_count'>): End {
  if (row.end_type === 'on_date') return { type: 'on_date', date: row.end_date as string };
  if (row.end_type === 'after_count') return { type: 'after_count', count: row.end_count as number };
  return { type: 'never' };
}

/** The columns of a schedule and an end. */
export function scheduleColumns(schedule: Schedule, end: End) {
  return {
    frequency: schedule.frequency,
    interval: schedule.interval,
    day_of_month: schedule.day_of_month === undefined ? null : String(schedule.day_of_month),
    weekday: schedule.weekday ?? null,
    end_type: end.type,
    end_date: end.type === 'on_date' ? end.date : null,
    end_count: end.type === 'after_count' ? end.count : null,
  };
}

export function templateView(row: RecurringTemplateRow): TemplateView {
  return {
    id: row.id,
    object: 'recurring_template',
    business_id: row.business_id,
    name: row.name,
    status: row.status,
    customer_id: row.customer_id,
    currency: row.currency,
    place_of_supply: row.place_of_supply,
    description: row.description,
    notes: row.notes,
    line_items: row.line_items as LineItemInput[],
    schedule: scheduleOf(row),
    start_date: row.start_date,
    end: endOf(row),
    due_days: row.due_days,
    mode: row.mode,
    include_delayed_charges: row.include_delayed_charges,
    backfill: row.backfill,
    next_invoice_date: row.next_invoice_date,
    last_invoice_date: row.last_invoice_date,
    invoices_generated: row.invoices_generated,
    consecutive_failures: row.consecutive_failures,
    last_error: row.last_error,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
