import type { ExtraLines } from '../invoicing/create-documents.ts';
import type { PreparedDocument } from '../invoicing/prepare.ts';
import type { LineItemInput } from '../invoicing/types.ts';
import { type SweptCharge, sweepPendingCharges } from './repository.ts';

/** A charge as an invoice line: priced as recorded; the item adds its HSN code and description. */
function chargeLine(charge: SweptCharge): LineItemInput {
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
 * transaction, before the invoices are written, one statement marks every pending charge of
 * each customer, in the currency of that customer's first invoice, invoiced on that invoice
 * (its id is fixed when prepared), and the charges become its lines. If anything later fails,
 * the transaction takes the marks back with the invoices. A concurrent batch for the same
 * customer waits on the row locks and then finds the charges invoiced, so its invoice
 * carries none of them. Charges in another currency stay pending.
 */
export function sweepDelayedCharges(businessId: string): ExtraLines {
  return {
    async collect(tx, documents, now) {
      const first = firstInvoices(documents);
      const targets = [...first].map(([customerId, i]) => {
        const invoice = (documents[i] as PreparedDocument).invoice;
        return { customerId, currency: invoice.currency, invoiceId: invoice.id };
      });
      const swept = new Map<number, SweptCharge[]>();
      // Lines in charge id order, as the charges were recorded.
      const charges = (await sweepPendingCharges(tx, businessId, targets, now)).sort((a, b) => (a.id < b.id ? -1 : 1));
      for (const charge of charges) {
        const index = first.get(charge.customer_id) as number;
        const list = swept.get(index) ?? [];
        list.push(charge);
        swept.set(index, list);
      }
      return new Map([...swept].map(([index, list]) => [index, list.map(chargeLine)]));
    },
  };
}
