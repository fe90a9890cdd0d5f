import { uuidv7 } from '../../ids.ts';
import type { OrderLineRow } from '../../db/schema.ts';
import { DomainError, invalid } from '../../domain/errors.ts';
import { type Context, type Tx, transact } from '../context.ts';
import { isForeignKeyViolation } from '../db-errors.ts';
import { type PreparedDocument, prepareDocument, type References } from '../invoicing/prepare.ts';
import { resolveReferences } from '../invoicing/references.ts';
import type { DocumentInput } from '../invoicing/types.ts';
import { insertOrders } from './repository.ts';
import { type OrderInput, type OrderView, orderView, type StoredOrder } from './types.ts';

export type OrderResult = { ok: true; order: OrderView } | { ok: false; error: DomainError };

export interface OrdersOutcome {
  results: OrderResult[];
  succeeded: number;
  failed: number;
}

/** An order is priced like the invoice it will become: the engine validates and auto-fills it. */
export function asDocumentInput(order: Pick<OrderInput, 'customer_id' | 'currency' | 'place_of_supply' | 'line_items'>): DocumentInput {
  return {
    customer_id: order.customer_id,
    currency: order.currency,
    place_of_supply: order.place_of_supply,
    line_items: order.line_items.map(({ id: _, ...line }) => line),
  };
}

function checkLineIds(input: OrderInput): void {
  const seen = new Set<string>();
  input.line_items.forEach((line, i) => {
    if (line.id === undefined) return;
    if (seen.has(line.id)) throw invalid(`Line item id '${line.id}' appears twice in this order.`, `line_items[${i}].id`);
    seen.add(line.id);
  });
}

/** The order's rows, its lines carrying what item auto-fill and pricing decided. */
function orderRows(ctx: Context, input: OrderInput, prepared: PreparedDocument, now: string): StoredOrder {
  const id = input.id ?? uuidv7();
  const lines: OrderLineRow[] = prepared.lines.map((line, i) => ({
    business_id: ctx.businessId,
    order_id: id,
    id: input.line_items[i]?.id ?? uuidv7(),
    position: i,
    item_id: line.item_id,
    name: line.name,
    description: line.description,
    hsn_code: line.hsn_code,
    quantity: line.quantity,
    unit_price: line.unit_price,
    discount_percent: line.discount_percent,
    discount_amount: line.discount_amount,
    tax_rate: line.tax_rate,
  }));
  const row = {
    business_id: ctx.businessId,
    id,
    customer_id: prepared.invoice.customer_id as string,
    currency: prepared.invoice.currency,
    place_of_supply: prepared.invoice.place_of_supply,
    meta: input.meta ?? {},
    status: 'open' as const,
    total: prepared.invoice.total,
    invoice_id: null,
    invoiced_by: null,
    created_at: now,
    updated_at: now,
  };
  return { row, lines };
}

type Slot = { input: OrderInput; order?: StoredOrder; error?: DomainError };

function prepareOrder(ctx: Context, slot: Slot, refs: References, maxLineItems: number, now: string): void {
  try {
    checkLineIds(slot.input);
    const prepared = prepareDocument(asDocumentInput(slot.input), refs, { kind: 'invoice', maxLineItems, now, clock: ctx.clock });
    slot.order = orderRows(ctx, slot.input, prepared, now);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    slot.error = error;
  }
}

const duplicate = (id: string) => new DomainError('conflict.duplicate', `Order '${id}' already exists.`, 'id');

/** A client-chosen id may appear once per batch; later uses fail. */
function refuseRepeatedIds(slots: Slot[]): void {
  const seen = new Set<string>();
  for (const slot of slots) {
    const id = slot.order?.row.id;
    if (id === undefined) continue;
    if (seen.has(id)) {
      slot.order = undefined;
      slot.error = duplicate(id);
    }
    seen.add(id);
  }
}

const refusal = (error: unknown) => {
  if (isForeignKeyViolation(error)) throw new DomainError('not_found.resource', 'A customer or item of these orders was deleted concurrently.');
  throw error;
};

/** Validation, auto-fill and pricing, outside any transaction: one query per kind of reference. */
async function prepareOrders(ctx: Context, inputs: (OrderInput | DomainError)[], maxLineItems: number): Promise<Slot[]> {
  const now = ctx.clock().toISOString();
  const slots: Slot[] = inputs.map((input) => (input instanceof DomainError ? { input: { customer_id: '', currency: '', line_items: [] }, error: input } : { input }));
  const valid = slots.filter((s) => !s.error).map((s) => asDocumentInput(s.input));
  const refs = await resolveReferences(ctx.db, ctx.businessId, 'invoice', valid);
  for (const slot of slots) if (!slot.error) prepareOrder(ctx, slot, refs, maxLineItems, now);
  refuseRepeatedIds(slots);
  return slots;
}

async function writeOrders(tx: Tx, slots: Slot[]): Promise<OrdersOutcome> {
  const inserted = await insertOrders(tx, slots.filter((s) => s.order).map((s) => s.order as StoredOrder));
  const results: OrderResult[] = slots.map((slot) => {
    if (slot.order && inserted.has(slot.order.row.id)) return { ok: true, order: orderView(slot.order) };
    return { ok: false, error: slot.error ?? duplicate(slot.order?.row.id as string) };
  });
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}

/**
 * Creates orders, each independently (POST /bulk/orders): references resolved with one query
 * per kind, every good order and its lines written with one statement per table. An id
 * already taken — also by a concurrent request — fails only that order.
 */
export async function createOrders(ctx: Context, inputs: (OrderInput | DomainError)[], options: { maxLineItems: number }): Promise<OrdersOutcome> {
  const slots = await prepareOrders(ctx, inputs, options.maxLineItems);
  return transact(ctx, (tx) => writeOrders(tx, slots)).catch(refusal);
}

/** Single create: the same path with one order; its failure is the request's error and nothing commits. */
export async function createOrder(ctx: Context, input: OrderInput, options: { maxLineItems: number }): Promise<OrderView> {
  const slots = await prepareOrders(ctx, [input], options.maxLineItems);
  if (slots[0]?.error) throw slots[0].error;
  return transact(ctx, async (tx) => {
    const [result] = (await writeOrders(tx, slots)).results;
    if (!result) throw new Error('writeOrders returned no result');
    if (!result.ok) throw result.error;
    return result.order;
  }).catch(refusal);
}
