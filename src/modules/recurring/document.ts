import type { RecurringTemplateRow } from '../../db/schema.ts';
import { addDays } from '../../domain/dates.ts';
import type { DocumentInput, LineItemInput } from '../invoicing/types.ts';

/** What a template says about the invoices it makes. */
export type InvoiceFields = Pick<RecurringTemplateRow, 'customer_id' | 'currency' | 'place_of_supply' | 'description' | 'notes' | 'line_items' | 'due_days' | 'mode'>;

/**
 * The invoice a template makes for one scheduled date, as any client would ask for it: dated
 * that date, due `due_days` later (else on the customer's terms), lines auto-filled from their
 * items at generation. `finalize` numbers and posts it; `send` also emails it.
 */
export function invoiceInput(t: InvoiceFields, date: string): DocumentInput {
  return {
    customer_id: t.customer_id,
    date,
    due_date: t.due_days === null ? undefined : addDays(date, t.due_days),
    place_of_supply: t.place_of_supply ?? undefined,
    currency: t.currency ?? undefined,
    description: t.description ?? undefined,
    notes: t.notes ?? undefined,
    line_items: t.line_items as LineItemInput[],
    auto_approve: t.mode !== 'draft',
    auto_send: t.mode === 'send',
  };
}

/** What resolving a template's references needs to know: its customer and its lines' items. */
export const referencedBy = (t: { customer_id: string; line_items: LineItemInput[] }): DocumentInput => ({ customer_id: t.customer_id, line_items: t.line_items });
