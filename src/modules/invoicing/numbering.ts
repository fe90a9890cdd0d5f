import { sql } from 'kysely';
import type { Business } from '../../db/schema.ts';
import { fiscalYearOf, formatDocumentNumber } from '../../domain/numbering.ts';
import type { Tx } from '../context.ts';

/**
 * Reserves `count` consecutive values of a per-business counter and returns the first.
 * The counter row stays locked until the transaction ends, so values exist only if the
 * transaction that took them commits: gapless under concurrency, rollbacks and crashes.
 * Callers lock the documents they number before calling this (lock order: documents, then
 * counter), which keeps concurrent finalizes free of deadlocks.
 */
export async function reserve(tx: Tx, businessId: string, series: string, period: string, count: number): Promise<number> {
  const result = await sql<{ last_value: number }>`
    insert into number_series (business_id, series, period, last_value)
    values (${businessId}, ${series}, ${period}, ${count})
    on conflict (business_id, series, period)
    do update set last_value = number_series.last_value + excluded.last_value
    returning last_value`.execute(tx);
  const last = result.rows[0]?.last_value;
  if (last === undefined) throw new Error('number series did not return a value');
  return last - count + 1;
}

const periodOf = (business: Business, date: string) =>
  business.number_reset === 'fiscal_year' ? fiscalYearOf(date, business.fiscal_year_start_month) : '';

/** Invoice numbers for documents in order, one reservation per period they fall in. */
export function takeInvoiceNumbers(tx: Tx, business: Business, dates: string[]): Promise<string[]> {
  return takeNumbers(tx, business, { series: 'invoice', prefix: business.invoice_prefix }, dates);
}

/**
 * Numbers of one series (invoice, credit_note, debit_note) for documents in order: the
 * business's padding and fiscal-year reset, one reservation per period the dates fall in.
 */
export async function takeNumbers(tx: Tx, business: Business, series: { series: string; prefix: string }, dates: string[]): Promise<string[]> {
  const byPeriod = new Map<string, number[]>();
  dates.forEach((date, index) => {
    const period = periodOf(business, date);
    byPeriod.set(period, [...(byPeriod.get(period) ?? []), index]);
  });
  const numbers: string[] = new Array(dates.length);
  for (const [period, indexes] of byPeriod) {
    const first = await reserve(tx, business.id, series.series, period, indexes.length);
    indexes.forEach((index, k) => {
      numbers[index] = formatDocumentNumber({
        prefix: series.prefix,
        counter: first + k,
        padding: business.number_padding,
        fiscalYear: period || null,
      });
    });
  }
  return numbers;
}

/** Per-business sequential entity ids ("1", "2", …) that every invoice carries (seeds/003). */
export async function takeEntityIds(tx: Tx, businessId: string, count: number): Promise<string[]> {
  if (count === 0) return [];
  const first = await reserve(tx, businessId, 'entity', '', count);
  return Array.from({ length: count }, (_, k) => String(first + k));
}
