import type { OrderLineRow, OrderRow } from '../../db/schema.ts';
import type { LineItemInput } from '../invoicing/types.ts';
import type { Principal } from '../context.ts';

/** Values an integrator may attach to an order (seeds/003 metaFields); flat, JSON scalars. */
export type OrderMeta = Record<string, string | number | boolean | null>;

/** One order line as a shop sends it: an invoice line plus the shop's own line id. */
export interface OrderLineInput extends LineItemInput {
  id?: string | undefined;
}

/** One order as a shop sends it (native API and POST /bulk/orders). */
export interface OrderInput {
  id?: string | undefined;
  customer_id: string;
  currency: string;
  place_of_supply?: string | undefined;
  line_items: OrderLineInput[];
  meta?: OrderMeta | undefined;
}

/** An order with its lines in position order, as stored. */
export interface StoredOrder {
  row: OrderRow;
  lines: OrderLineRow[];
}

export function orderView({ row, lines }: StoredOrder) {
  return {
    id: row.id,
    object: 'order' as const,
    business_id: row.business_id,
    customer_id: row.customer_id,
    currency: row.currency,
    place_of_supply: row.place_of_supply,
    status: row.status,
    total: row.total,
    invoice_id: row.invoice_id,
    meta: (row.meta ?? {}) as OrderMeta,
    line_items: lines.map((l) => ({
      id: l.id,
      item_id: l.item_id,
      name: l.name,
      description: l.description,
      hsn_code: l.hsn_code,
      quantity: Number(l.quantity),
      unit_price: l.unit_price,
      discount_percent: l.discount_percent === null ? null : Number(l.discount_percent),
      discount_amount: l.discount_amount,
      tax_rate: Number(l.tax_rate),
    })),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export type OrderView = ReturnType<typeof orderView>;

/** Who made an order's invoice, as stored with the order. */
export const invoicedBy = (row: OrderRow) => row.invoiced_by as Principal;
