import { sql } from 'kysely';
import type { DelayedChargeRow } from '../../db/schema.ts';
import { notFound } from '../../domain/errors.ts';
import type { Db, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage } from '../pagination.ts';

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
  const total = page.includeTotal ? Number((await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) : null;
  return toPage(rows, page, keyset, total, (row) => row);
}

/**
 * Locks the pending charges of these (customer, currency) pairs, in id order: every sweep
 * takes its locks in the same order, so concurrent batches queue instead of deadlocking.
 * Under READ COMMITTED a row another transaction invoiced while we waited is re-checked
 * against `status = 'pending'` and left out. The statement filters by customers and by
 * currencies separately (an exact pair test was planned as a nested loop over every pending
 * charge of the business, 10x slower on PGlite: docs/PERFORMANCE.md), so a batch mixing
 * currencies may also lock, but never returns, a customer's charges in another of them.
 */
export async function lockPendingCharges(tx: Tx, businessId: string, pairs: { customerId: string; currency: string }[]): Promise<DelayedChargeRow[]> {
  if (pairs.length === 0) return [];
  const result = await sql<DelayedChargeRow>`
    select * from delayed_charges
    where business_id = ${businessId} and status = 'pending'
      and customer_id = any(${pairs.map((p) => p.customerId)}::text[]) and currency = any(${[...new Set(pairs.map((p) => p.currency))]}::text[])
    order by id
    for update`.execute(tx);
  const wanted = new Set(pairs.map((p) => `${p.customerId}\u0000${p.currency}`));
  return result.rows.filter((row) => wanted.has(`${row.customer_id}\u0000${row.currency}`));
}

/** Marks swept charges invoiced, each with its invoice: one statement for the whole batch. */
export async function markInvoiced(tx: Tx, businessId: string, swept: { id: string; invoiceId: string; at: string }[]): Promise<void> {
  if (swept.length === 0) return;
  const result = await sql`
    update delayed_charges c
    set status = 'invoiced', invoice_id = s.invoice_id, invoiced_at = s.at, updated_at = s.at
    from unnest(${swept.map((s) => s.id)}::text[], ${swept.map((s) => s.invoiceId)}::text[], ${swept.map((s) => s.at)}::timestamptz[]) as s (id, invoice_id, at)
    where c.business_id = ${businessId} and c.id = any(${swept.map((s) => s.id)}::text[]) and c.id = s.id and c.status = 'pending'`.execute(tx);
  // The rows are locked by this transaction since collect(): anything else is a bug.
  if (Number(result.numAffectedRows) !== swept.length) throw new Error('a locked delayed charge changed before it was invoiced');
}
