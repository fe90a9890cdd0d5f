import { sweepDelayedCharges } from '../charges/sweep-charges.ts';
import type { Context } from '../context.ts';
import { createAllDocuments } from './create-documents.ts';
import type { DocumentInput } from './types.ts';
import type { DocumentView } from './view.ts';

/** One line of a batch item (seeds/004): `description` is the line's text. */
export interface BatchLineInput {
  description: string;
  quantity: number | string;
  unit_price: number;
  item_id?: string | undefined;
  tax_rate?: number | string | undefined;
}

export interface BatchItemInput {
  customer_id: string;
  line_items: BatchLineInput[];
  due_date: string;
  description?: string | undefined;
}

export interface BatchInput {
  items: BatchItemInput[];
  include_delayed_charges?: boolean | undefined;
  finalize?: boolean | undefined;
}

function documentInput(item: BatchItemInput, finalize: boolean): DocumentInput {
  return {
    customer_id: item.customer_id,
    due_date: item.due_date,
    description: item.description,
    auto_approve: finalize,
    line_items: item.line_items.map((line) => ({
      item_id: line.item_id,
      name: line.description,
      quantity: line.quantity,
      unit_price: line.unit_price,
      tax_rate: line.tax_rate,
    })),
  };
}

/**
 * Creates one invoice per item, all or nothing (seeds/004), dated today, with the place of
 * supply taken from each customer's state; optionally sweeps pending delayed charges into
 * each customer's first invoice and finalizes (numbers and posts) every invoice.
 */
export function createBatchInvoices(ctx: Context, input: BatchInput, limits: { maxLineItems: number }): Promise<DocumentView[]> {
  const inputs = input.items.map((item) => documentInput(item, input.finalize === true));
  return createAllDocuments(ctx, inputs, {
    kind: 'invoice',
    maxLineItems: limits.maxLineItems,
    bulkEvent: true,
    noPlaceField: true,
    listField: 'items',
    extraLines: input.include_delayed_charges ? sweepDelayedCharges(ctx.businessId) : undefined,
  });
}
