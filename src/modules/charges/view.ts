import type { DelayedChargeRow } from '../../db/schema.ts';
import { parseScaled } from '../../domain/decimal.ts';
import { lineAmount } from '../../domain/pricing.ts';

/** A delayed charge as the API and events show it; `amount` is what its line will be before tax. */
export function chargeView(row: DelayedChargeRow) {
  return {
    id: row.id,
    customer_id: row.customer_id,
    item_id: row.item_id,
    description: row.description,
    quantity: Number(row.quantity),
    unit_price: row.unit_price,
    amount: Number(lineAmount(parseScaled(row.quantity, 4, 'quantity'), BigInt(row.unit_price))),
    currency: row.currency,
    tax_rate: Number(row.tax_rate),
    status: row.status,
    invoice_id: row.invoice_id,
    invoiced_at: row.invoiced_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export type ChargeView = ReturnType<typeof chargeView>;
