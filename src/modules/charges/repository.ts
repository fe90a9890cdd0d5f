import { sql } from 'kysely';
import type { DelayedChargeRow } from '../../db/schema.ts';
import { notFound } from '../../domain/errors.ts';
import type { Db, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';

/** Delayed charges of one business; every query filters by business_id. */
export type ChargeColumns = Pick<DelayedChargeRow, 'description' | 'quantity' | 'unit_price' | 'currency' | 'tax_rate'>;

export async function insertCharge(tx: Tx, row: DelayedChargeRow): Promise<DelayedChargeRow> {
  return tx.insertInto('delayed_charges').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function getCharge(db: Db | Tx, businessId: string, id: string): Promise<DelayedChargeRow> {
  const row = await db.selectFrom('delayed_charges').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Delayed charge', id);
  return row;
}

/** Locks one charge for a change; waits for a batch that is sweeping it. */
export async function lockCharge(tx: Tx, businessId: string, id: string): Promise<DelayedChargeRow> {
  const row = await tx
    .selectFrom('delayed_charges')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('Delayed charge', id);
  return row;
}

export async function updateCharge(tx: Tx, businessId: string, id: string, columns: ChargeColumns, now: string): Promise<DelayedChargeRow> {
  return tx
    .updateTable('delayed_charges')
    .set({ ...columns, updated_at: now })
    .where('business_id', '=', businessId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteCharge(tx: Tx, businessId: string, id: string): Promise<void> {
  await tx.deleteFrom('delayed_charges').where('business_id', '=', businessId).where('id', '=', id).execute();
}

export interface ChargeFilters {
  customerId?: string | undefined;
  status?: 'pending' | 'invoiced' | undefined;
}

export async function listCharges(db: Db, businessId: string, filters: ChargeFilters, page: PageRequest): Promise<Page<DelayedChargeRow>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom('delayed_charges').where('business_id', '=', businessId);
  if (filters.customerId) query = query.where('customer_id', '=', filters.customerId);
  if (filters.status) query = query.where('status', '=', filters.status);
  const pageQuery = clause.where ? query.where(clause.where) : query;
  const rows = await pageQuery.selectAll().orderBy(clause.order as never).limit(page.limit + 1).execute();
  const total = await totalOf(query, page);
  return toPage(rows, page, keyset, total, (row) => row);
}

/** What a swept charge contributes to its invoice line. */
export type SweptCharge = Pick<DelayedChargeRow, 'id' | 'customer_id' | 'item_id' | 'description' | 'quantity' | 'unit_price' | 'tax_rate'>;

/** Where one customer's pending charges go: its invoice in the batch, in that invoice's currency. */
export interface SweepTarget {
  customerId: string;
  currency: string;
  invoiceId: string;
}

/**
 * Marks invoiced, with their invoice, the pending charges of these customers in each one's
 * currency, and returns them: one statement. Its sub-query visits the customers in id order
 * and locks each one's pending charges in id order — an order every sweep shares, so
 * concurrent batches queue instead of deadlocking; under READ COMMITTED a row another
 * transaction invoiced while we waited fails `status = 'pending'` on re-check and is left
 * out. The per-customer lookup carries its own lock, so PostgreSQL cannot flatten it into a
 * join: it stays one probe of the pending index per customer, and the update finds each row
 * by primary key. Plans over the business's whole pending set were chosen whenever the
 * statistics did not know the charges (recorded in bulk moments before a billing run) and
 * cost up to 150 ms per call (docs/PERFORMANCE.md).
 */
export async function sweepPendingCharges(tx: Tx, businessId: string, targets: SweepTarget[], at: string): Promise<SweptCharge[]> {
  if (targets.length === 0) return [];
  const sorted = [...targets].sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  const result = await sql<SweptCharge>`
    update delayed_charges c
    set status = 'invoiced', invoice_id = locked.invoice_id, invoiced_at = ${at}, updated_at = ${at}
    from (
      select d.id, t.invoice_id
      from unnest(${sorted.map((t) => t.customerId)}::text[], ${sorted.map((t) => t.currency)}::text[], ${sorted.map((t) => t.invoiceId)}::text[])
        as t (customer_id, currency, invoice_id)
      cross join lateral (
        select id from delayed_charges
        where business_id = ${businessId} and customer_id = t.customer_id and status = 'pending' and currency = t.currency
        order by id
        for update
      ) d
    ) locked
    where c.business_id = ${businessId} and c.id = locked.id
    returning c.id, c.customer_id, c.item_id, c.description, c.quantity, c.unit_price, c.tax_rate`.execute(tx);
  return result.rows;
}
