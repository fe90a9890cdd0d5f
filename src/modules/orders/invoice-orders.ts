import type { OrderLineRow, OrderRow } from '../../db/schema.ts';
import { DomainError, invalid } from '../../domain/errors.ts';
import type { AnyRow } from '../catalog/records.ts';
import { type Context, type Principal, type Tx, transact } from '../context.ts';
import { emitEvents } from '../events/outbox.ts';
import { type PreparedDocument, prepareDocument, type References } from '../invoicing/prepare.ts';
import { loadDocuments } from '../invoicing/read.ts';
import { resolveReferences } from '../invoicing/references.ts';
import type { DocumentInput } from '../invoicing/types.ts';
import type { DocumentView } from '../invoicing/view.ts';
import { writeDocuments } from '../invoicing/write.ts';
import { findOrders, type LockedOrder, lockOrders, markInvoiced } from './repository.ts';
import type { OrderMeta, StoredOrder } from './types.ts';

/** One order's invoice, as the orders dialect (seeds/003) shows it. */
export interface OrderInvoice {
  orderId: string;
  invoice: DocumentView;
  /** The order's line ids, by position: invoice line i was made from order line i. */
  orderLineIds: string[];
  createdBy: Principal;
  meta: OrderMeta;
  /** False when the order already had this invoice before the call. */
  created: boolean;
}

export interface InvoiceOrdersOptions {
  finalize: boolean;
  maxLineItems: number;
}

export const orderNotFound = (id: string) => new DomainError('not_found.resource', `Order not found: ${id}`, 'orderIds');

/** The first order (in request order) that is missing, another business's, or cancelled. */
function refuseUnavailable(ids: string[], status: (id: string) => string | undefined): void {
  const bad = ids.find((id) => {
    const s = status(id);
    return s === undefined || s === 'cancelled';
  });
  if (bad !== undefined) throw orderNotFound(bad);
}

/** The invoice an order becomes: its stored (already auto-filled) lines, priced by the engine as they were for the order. */
function invoiceInput(order: StoredOrder, finalize: boolean): DocumentInput {
  const { row, lines } = order;
  return {
    customer_id: row.customer_id,
    currency: row.currency,
    place_of_supply: row.place_of_supply ?? undefined,
    auto_approve: finalize,
    line_items: lines.map((l) => ({
      item_id: l.item_id ?? undefined,
      name: l.name,
      description: l.description,
      hsn_code: l.hsn_code,
      quantity: l.quantity,
      unit_price: l.unit_price,
      tax_rate: l.tax_rate,
      discount_percent: l.discount_percent ?? undefined,
      discount_amount: l.discount_amount ?? undefined,
    })),
  };
}

function prepareInvoice(order: StoredOrder, refs: References, options: InvoiceOrdersOptions, ctx: Context, now: string): PreparedDocument {
  try {
    const prepareOptions = { kind: 'invoice' as const, maxLineItems: options.maxLineItems, now, clock: ctx.clock, origin: { order_id: order.row.id } };
    return prepareDocument(invoiceInput(order, options.finalize), refs, prepareOptions);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw invalid(`Order ${order.row.id} cannot be invoiced: ${error.message}`, 'orderIds');
  }
}

/** The item as the order line recorded it when the order was placed. */
const itemAsOrdered = (line: OrderLineRow, order: OrderRow): AnyRow => ({
  id: line.item_id as string,
  name: line.name,
  description: line.description,
  hsn_code: line.hsn_code,
  unit_price: line.unit_price,
  tax_rate: line.tax_rate,
  currency: order.currency,
  created_at: order.created_at,
});

/**
 * The customers from the catalog, but not the items: an order's lines already carry the name,
 * price, tax rate and HSN auto-filled when it was placed, so the invoice is made as the order
 * was priced, whatever happened to the items since. Each line keeps its item link.
 */
async function orderReferences(ctx: Context, orders: StoredOrder[]): Promise<References> {
  const customers = orders.map((o) => ({ customer_id: o.row.customer_id, line_items: [] }));
  const refs = await resolveReferences(ctx.db, ctx.businessId, 'invoice', customers);
  for (const { row, lines } of orders) {
    for (const line of lines) if (line.item_id) refs.items.set(line.item_id, itemAsOrdered(line, row));
  }
  return refs;
}

interface Plan {
  ids: string[];
  orders: Map<string, StoredOrder>;
  prepared: Map<string, PreparedDocument>;
  refs: References;
  now: string;
}

/** Reads and prices outside the transaction; the transaction only locks, checks and writes. */
async function plan(ctx: Context, orderIds: string[], options: InvoiceOrdersOptions): Promise<Plan> {
  const ids = [...new Set(orderIds)];
  const now = ctx.clock().toISOString();
  const orders = await findOrders(ctx.db, ctx.businessId, ids);
  refuseUnavailable(ids, (id) => orders.get(id)?.row.status);
  const pending = ids.map((id) => orders.get(id) as StoredOrder).filter((o) => o.row.invoice_id === null);
  const refs = await orderReferences(ctx, pending);
  const prepared = new Map(pending.map((o) => [o.row.id, prepareInvoice(o, refs, options, ctx, now)]));
  return { ids, orders, prepared, refs, now };
}

/** The invoices of orders invoiced before this call (or by a call that held their lock first). */
async function existingInvoices(tx: Tx, ctx: Context, ids: string[], locked: Map<string, LockedOrder>): Promise<Map<string, DocumentView>> {
  const invoiceIdOf = (id: string) => (locked.get(id) as LockedOrder).invoice_id as string;
  const views = await loadDocuments(tx, ctx.businessId, 'invoice', ids.map(invoiceIdOf), ctx.baseUrl);
  const byId = new Map(views.map((view) => [view.id, view]));
  return new Map(ids.map((id) => [id, byId.get(invoiceIdOf(id)) as DocumentView]));
}

async function writePlan(tx: Tx, ctx: Context, p: Plan): Promise<OrderInvoice[]> {
  const locked = await lockOrders(tx, ctx.businessId, p.ids);
  refuseUnavailable(p.ids, (id) => locked.get(id)?.status);
  // An order priced before the lock may have been invoiced by a call that held it first.
  const toWrite = p.ids.filter((id) => p.prepared.has(id) && (locked.get(id) as LockedOrder).invoice_id === null);
  const written = await writeDocuments(tx, p.refs.business, toWrite.map((id) => p.prepared.get(id) as PreparedDocument), p.now, ctx.baseUrl);
  const created = new Map(toWrite.map((id, i) => [id, written[i] as DocumentView]));
  await markInvoiced(tx, ctx.businessId, [...created].map(([id, view]) => ({ id, invoice_id: view.id })), ctx.principal, p.now);
  const existing = await existingInvoices(tx, ctx, p.ids.filter((id) => !created.has(id)), locked);
  const data = { count: created.size, failed: 0, batch_size: p.ids.length, existing: existing.size, source: 'orders' };
  await emitEvents(tx, ctx.businessId, p.now, [{ type: 'INVOICE_BULK_CREATED', data }]);
  return p.ids.map((id) => {
    const order = p.orders.get(id) as StoredOrder;
    const isNew = created.has(id);
    return {
      orderId: id,
      invoice: (created.get(id) ?? existing.get(id)) as DocumentView,
      orderLineIds: order.lines.map((l) => l.id),
      createdBy: isNew ? ctx.principal : ((locked.get(id) as LockedOrder).invoiced_by as Principal),
      meta: (order.row.meta ?? {}) as OrderMeta,
      created: isNew,
    };
  });
}

/**
 * Invoices orders (SPEC §6.4): at most one invoice per order. Orders already invoiced return
 * their invoice unchanged; if any order is unknown, another business's or cancelled, the
 * call fails naming the first one and creates nothing. The orders' rows stay locked from the
 * check to the commit, so concurrent calls for one order make one invoice between them.
 * Results come in the order of `orderIds`, duplicates once.
 */
export async function invoiceOrders(ctx: Context, orderIds: string[], options: InvoiceOrdersOptions): Promise<OrderInvoice[]> {
  const p = await plan(ctx, orderIds, options);
  return transact(ctx, (tx) => writePlan(tx, ctx, p));
}
