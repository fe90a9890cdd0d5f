import type { RecurringTemplateRow } from '../../db/schema.ts';
import { parseDate } from '../../domain/dates.ts';
import { invalid, required } from '../../domain/errors.ts';
import { assertSchedule, type End, firstDateFrom, type Schedule, withinEnd } from '../../domain/schedule.ts';
import { prepareDocument, type References } from '../invoicing/prepare.ts';
import { type InvoiceFields, invoiceInput } from './document.ts';

export interface CheckOptions {
  maxLineItems: number;
  now: string;
  clock: () => Date;
  /** The business's today (todayFor). */
  today: string;
}

/** An end that can be reached: its date not before the start, its count at least one. */
export function assertEnd(end: End, start: string): void {
  const given = end as { date?: unknown; count?: unknown };
  if (end.type !== 'on_date' && given.date !== undefined) throw invalid('end.date goes with end.type "on_date".', 'end.date');
  if (end.type !== 'after_count' && given.count !== undefined) throw invalid('end.count goes with end.type "after_count".', 'end.count');
  if (end.type === 'on_date' && end.date === undefined) throw required('end.date');
  if (end.type === 'after_count' && end.count === undefined) throw required('end.count');
  if (end.type === 'on_date' && parseDate(end.date, 'end.date') < start) throw invalid('end.date must not be before start_date.', 'end.date');
  if (end.type === 'after_count' && (!Number.isInteger(end.count) || end.count < 1)) throw invalid('end.count must be at least 1.', 'end.count');
}

/** The first date of a schedule from `from`, which the end must still allow. */
export function firstScheduledDate(schedule: Schedule, start: string, from: string, end: End, generated: number): string | null {
  const first = firstDateFrom(schedule, start, from);
  return withinEnd(end, first, generated) ? first : null;
}

/**
 * Checks a template's invoice as the invoicing engine would make it on `date`: the customer,
 * items, currency, place of supply and lines, with the engine's own messages and fields.
 */
export function assertInvoiceable(fields: InvoiceFields, date: string, refs: References, options: CheckOptions): void {
  prepareDocument(invoiceInput(fields, date), refs, {
    kind: 'invoice',
    maxLineItems: options.maxLineItems,
    now: options.now,
    clock: options.clock,
  });
}

/** Schedule, start, end and backfill of a new template; returns its first invoice date. */
export function checkCalendar(schedule: Schedule, startDate: string, end: End, backfill: boolean, today: string): string {
  assertSchedule(schedule);
  const start = parseDate(startDate, 'start_date');
  if (start < today && !backfill) {
    throw invalid(`start_date ${start} is before today (${today}); set backfill: true to make the invoices of the dates since then.`, 'start_date');
  }
  assertEnd(end, start);
  const first = firstScheduledDate(schedule, start, start, end, 0);
  if (!first) throw invalid('The schedule has no date on or before end.date.', 'end.date');
  return first;
}

export type NewTemplateRow = Omit<RecurringTemplateRow, 'invoices_generated' | 'consecutive_failures'>;
