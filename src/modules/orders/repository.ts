import { sql } from 'kysely';
import type { OrderLineRow, OrderRow, OrderStatus } from '../../db/schema.ts';
import { type ColumnType, insertNewRows, insertRows } from '../../db/insert-rows.ts';
import type { Db, Principal, Tx } from '../context.ts';
import { decodeCursor, keysetClause, type Page, type PageRequest, toPage, totalOf } from '../pagination.ts';
import type { StoredOrder } from './types.ts';

export const ORDER_COLUMNS: Record<keyof OrderRow, ColumnType> = {
  ...{ business_id: 'text', id: 'text', customer_id: 'text', currency: 'text', place_of_supply: 'text', meta: 'jsonb' },
  ...{ status: 'text', total: 'bigint', invoice_id: 'text', invoiced_by: 'jsonb', created_at: 'timestamptz', updated_at: 'timestamptz' },
};

export const ORDER_LINE_COLUMNS: Record<keyof OrderLineRow, ColumnType> = {
  ...{ business_id: 'text', order_id: 'text', id: 'text', position: 'int', item_id: 'text', name: 'text', description: 'text' },
  ...{ hsn_code: 'text', quantity: 'numeric', unit_price: 'bigint', discount_percent: 'numeric', discount_amount: 'bigint', tax_rate: 'numeric' },
};

/** Inserts orders (skipping ids already taken) and the lines of those inserted; returns their ids. */
export async function insertOrders(tx: Tx, orders: StoredOrder[]): Promise<Set<string>> {
  const inserted = await insertNewRows(tx, 'orders', ORDER_COLUMNS, orders.map((o) => o.row));
  await insertRows(tx, 'order_lines', ORDER_LINE_COLUMNS, orders.filter((o) => inserted.has(o.row.id)).flatMap((o) => o.lines));
  return inserted;
}

/** Orders with their lines: two queries whatever the count. */
export async function findOrders(db: Db | Tx, businessId: string, ids: string[]): Promise<Map<string, StoredOrder>> {
  if (ids.length === 0) return new Map();
  const [rows, lines] = await Promise.all([
    db.selectFrom('orders').selectAll().where('business_id', '=', businessId).where('id', '=', sql<string>`any(${ids}::text[])`).execute(),
    db
      .selectFrom('order_lines')
      .selectAll()
      .where('business_id', '=', businessId)
      .where('order_id', '=', sql<string>`any(${ids}::text[])`)
      .orderBy('order_id')
      .orderBy('position')
      .execute(),
  ]);
  const orders = new Map<string, StoredOrder>(rows.map((row) => [row.id, { row, lines: [] }]));
  for (const line of lines) orders.get(line.order_id)?.lines.push(line);
  return orders;
}

export type LockedOrder = Pick<OrderRow, 'id' | 'status' | 'invoice_id' | 'invoiced_by'>;

/**
 * Locks the orders' rows until the transaction ends, in one statement and in id order, so
 * two calls naming the same orders in any order queue up instead of deadlocking. A call
 * that waited reads the row as the other left it (READ COMMITTED re-reads locked rows).
 */
export async function lockOrders(tx: Tx, businessId: string, ids: string[]): Promise<Map<string, LockedOrder>> {
  const result = await sql<LockedOrder>`
    select id, status, invoice_id, invoiced_by from orders
    where business_id = ${businessId} and id = any(${ids}::text[])
    order by id
    for update`.execute(tx);
  return new Map(result.rows.map((row) => [row.id, row]));
}

/** Records each order's invoice and who made it: one statement. */
export async function markInvoiced(tx: Tx, businessId: string, invoices: { id: string; invoice_id: string }[], by: Principal, now: string): Promise<void> {
  if (invoices.length === 0) return;
  await sql`
    update orders o set status = 'invoiced', invoice_id = r.invoice_id, invoiced_by = ${JSON.stringify(by)}::jsonb, updated_at = ${now}
    from json_to_recordset(${JSON.stringify(invoices)}::json) as r(id text, invoice_id text)
    where o.business_id = ${businessId} and o.id = r.id`.execute(tx);
}

/** Cancels an open order; returns its status afterwards (undefined: no such order). */
export async function cancelOpenOrder(tx: Tx, businessId: string, id: string, now: string): Promise<OrderStatus | undefined> {
  const row = await tx.selectFrom('orders').select('status').where('business_id', '=', businessId).where('id', '=', id).forUpdate().executeTakeFirst();
  if (row?.status !== 'open') return row?.status;
  await tx.updateTable('orders').set({ status: 'cancelled', updated_at: now }).where('business_id', '=', businessId).where('id', '=', id).execute();
  return 'cancelled';
}

export interface OrderFilters {
  customerId?: string | undefined;
  invoiced?: boolean | undefined;
  status?: OrderStatus | undefined;
}

export async function listOrderRows(db: Db, businessId: string, filters: OrderFilters, page: PageRequest): Promise<Page<string>> {
  const keyset = decodeCursor(page.cursor);
  const clause = keysetClause(keyset);
  let query = db.selectFrom('orders').where('business_id', '=', businessId);
  if (filters.customerId) query = query.where('customer_id', '=', filters.customerId);
  if (filters.invoiced !== undefined) query = query.where('invoice_id', filters.invoiced ? 'is not' : 'is', null);
  if (filters.status) query = query.where('status', '=', filters.status);
  const pageQuery = clause.where ? query.where(clause.where) : query;
  const rows = await pageQuery.select(['id', 'created_at']).orderBy(clause.order as never).limit(page.limit + 1).execute();
  const total = await totalOf(query, page);
  return toPage(rows, page, keyset, total, (row) => row.id);
}
