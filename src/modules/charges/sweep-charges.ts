import type { DelayedChargeRow } from '../../db/schema.ts';
import type { ExtraLines } from '../invoicing/create-documents.ts';
import type { PreparedDocument } from '../invoicing/prepare.ts';
import type { LineItemInput } from '../invoicing/types.ts';
import { lockPendingCharges, markInvoiced } from './repository.ts';

/** A charge as an invoice line: priced as recorded; the item adds its HSN code and description. */
function chargeLine(charge: DelayedChargeRow): LineItemInput {
  return {
    item_id: charge.item_id ?? undefined,
    name: charge.description,
    quantity: charge.quantity,
    unit_price: charge.unit_price,
    tax_rate: charge.tax_rate,
  };
}

/** Index of each customer's first invoice in the batch: the one its charges go on. */
function firstInvoices(documents: PreparedDocument[]): Map<string, number> {
  const first = new Map<string, number>();
  documents.forEach((d, i) => {
    const customer = d.invoice.customer_id;
    if (customer !== null && !first.has(customer)) first.set(customer, i);
  });
  return first;
}

/**
 * Sweeps pending delayed charges into a batch, exactly once (seeds/004): inside the writing
 * transaction it locks every pending charge of each customer in the currency of that
 * customer's first invoice, adds them to it as lines, and once the invoices are written marks
 * them invoiced. A concurrent batch for the same customer waits on the row locks and then
 * finds the charges invoiced, so its invoice carries none of them. Charges in another
 * currency stay pending.
 */
export function sweepDelayedCharges(businessId: string): ExtraLines {
  const swept = new Map<number, DelayedChargeRow[]>();
  return {
    async collect(tx, documents) {
      const first = firstInvoices(documents);
      const pairs = [...first].map(([customerId, i]) => ({ customerId, currency: (documents[i] as PreparedDocument).invoice.currency }));
      for (const charge of await lockPendingCharges(tx, businessId, pairs)) {
        const index = first.get(charge.customer_id) as number;
        swept.set(index, [...(swept.get(index) ?? []), charge]);
      }
      return new Map([...swept].map(([index, charges]) => [index, charges.map(chargeLine)]));
    },
    async settle(tx, views) {
      const invoiced = [...swept].flatMap(([index, charges]) => {
        const view = views[index];
        if (!view) throw new Error('no invoice for swept charges');
        return charges.map((c) => ({ id: c.id, invoiceId: view.id, at: view.created_at }));
      });
      await markInvoiced(tx, businessId, invoiced);
    },
  };
}
