import type { CreditNoteLineRow, CreditNoteRow } from '../../db/schema.ts';
import type { EntryView } from '../invoicing/view.ts';

/** A stored note with what its view shows of the invoice it corrects. */
export interface NoteParts {
  row: CreditNoteRow;
  invoice: { number: string | null; date: string; place_of_supply: string | null; tax_regime: string };
  lines: CreditNoteLineRow[];
  entries: EntryView[];
}

export type NoteView = ReturnType<typeof noteView>;

const PLURAL = { credit_note: 'credit-notes', debit_note: 'debit-notes' } as const;

function lineView(line: CreditNoteLineRow) {
  return {
    id: line.id,
    line_id: line.invoice_line_id,
    description: line.name,
    hsn_code: line.hsn_code,
    quantity: line.quantity === null ? null : Number(line.quantity),
    tax_rate: Number(line.tax_rate),
    taxable_amount: line.taxable,
    cgst: line.cgst,
    sgst: line.sgst,
    igst: line.igst,
    tax: line.tax,
    tax_total: line.tax_total,
    total: line.total,
  };
}

/** The one representation of a credit or debit note: API responses and event data alike. */
export function noteView({ row, invoice, lines, entries }: NoteParts, baseUrl: string) {
  return {
    id: row.id,
    object: row.kind,
    business_id: row.business_id,
    number: row.number,
    invoice_id: row.invoice_id,
    invoice_number: invoice.number,
    invoice_date: invoice.date,
    customer_id: row.customer_id,
    currency: row.currency,
    date: row.date,
    status: row.status,
    reason: row.reason,
    memo: row.memo,
    place_of_supply: invoice.place_of_supply,
    tax_regime: invoice.tax_regime,
    lines: lines.map(lineView),
    subtotal: row.subtotal,
    cgst: row.cgst,
    sgst: row.sgst,
    igst: row.igst,
    tax: row.tax,
    tax_total: row.tax_total,
    total: row.total,
    pre_payment_amount: row.pre_payment_amount,
    post_payment_amount: row.total - row.pre_payment_amount,
    refund_amount: row.refund_amount,
    credit_amount: row.credit_amount,
    out_of_band_amount: row.out_of_band_amount,
    journal_entries: entries,
    pdf_url: `${baseUrl}/api/v1/${PLURAL[row.kind]}/${row.id}/pdf`,
    hosted_url: `${baseUrl}/n/${row.business_id}/${row.hosted_token}`,
    created_at: row.created_at,
    voided_at: row.voided_at,
  };
}
