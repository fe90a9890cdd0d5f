import { uuidv7 } from '../../ids.ts';
import { DomainError, invalid, notFound, required } from '../../domain/errors.ts';
import { getBusiness } from '../businesses/create-business.ts';
import { findRecords } from '../catalog/records.ts';
import { type Context, transact } from '../context.ts';
import { isForeignKeyViolation } from '../db-errors.ts';
import { insertCharge } from './repository.ts';
import { type ChargeTerms, resolveTerms } from './terms.ts';
import { type ChargeView, chargeView } from './view.ts';

export interface ChargeInput extends ChargeTerms {
  customer_id: string;
  description?: string | undefined;
  item_id?: string | undefined;
}

/**
 * Records a delayed charge for a customer. An item fills in what the charge leaves out
 * (description, unit price, tax rate), as it does for an invoice line, once, now: the
 * charge keeps the price agreed when it was recorded.
 */
export async function createDelayedCharge(ctx: Context, input: ChargeInput): Promise<ChargeView> {
  const [business, customers, items] = await Promise.all([
    getBusiness(ctx.db, ctx.businessId),
    findRecords(ctx.db, ctx.businessId, 'customers', [input.customer_id]),
    findRecords(ctx.db, ctx.businessId, 'items', input.item_id === undefined ? [] : [input.item_id]),
  ]);
  const customer = customers.get(input.customer_id);
  if (!customer) throw notFound('Customer', input.customer_id, 'customer_id');
  const item = input.item_id === undefined ? undefined : items.get(input.item_id);
  if (input.item_id !== undefined && !item) throw notFound('Item', input.item_id, 'item_id');
  const description = input.description ?? (item?.name as string | undefined);
  if (!description) throw required('description');
  const currency = input.currency ?? (customer.currency as string | null) ?? business.currency;
  const terms = resolveTerms(input, { quantity: 1, unitPrice: item?.unit_price as number | undefined, taxRate: (item?.tax_rate as string | undefined) ?? 0, currency });
  const priceFromItem = input.unit_price === undefined && input.amount === undefined && item !== undefined;
  if (priceFromItem && item?.currency && item.currency !== terms.currency) {
    throw invalid(`Item '${item.id}' is priced in ${String(item.currency)}; give a unit_price in ${terms.currency}.`, 'item_id');
  }
  const now = ctx.clock().toISOString();
  const row = {
    business_id: ctx.businessId,
    id: uuidv7(),
    customer_id: customer.id,
    item_id: item?.id ?? null,
    description,
    ...terms,
    status: 'pending' as const,
    invoice_id: null,
    invoiced_at: null,
    created_at: now,
    updated_at: now,
  };
  return transact(ctx, async (tx) => {
    try {
      return chargeView(await insertCharge(tx, row));
    } catch (error) {
      // The customer or item was deleted since we looked it up.
      if (isForeignKeyViolation(error)) throw new DomainError('not_found.resource', 'The customer or item of this charge was deleted meanwhile.', 'customer_id');
      throw error;
    }
  });
}
