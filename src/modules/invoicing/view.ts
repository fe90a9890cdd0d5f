import type { InvoiceLineRow, InvoiceRow, NoteKind } from '../../db/schema.ts';

/** The one representation of an invoice or bill: API responses and event data alike. */
export interface EntryView {
  id: string;
  kind: string;
  memo: string;
  currency: string;
  date: string;
  created_at: string;
  lines: { account_code: string; debit: number; credit: number }[];
}

export interface PaymentView {
  id: string;
  amount: number;
  paid_on: string;
  source: 'manual' | 'stripe' | 'credit';
  reference: string | null;
  created_at: string;
  /** The bank statement line this payment was matched to (SPEC §13); null when none. */
  bank_transaction_id: string | null;
}

export interface DocumentParts {
  row: InvoiceRow;
  lines: InvoiceLineRow[];
  entries: EntryView[];
  payments: PaymentView[];
  /** Credit and debit notes issued on the document, oldest first (none when just written). */
  notes?: { id: string; kind: NoteKind }[] | undefined;
  /** Its push to Stripe, once one was asked for (docs/stripe.md). */
  stripeSync?: StripeSyncView | null | undefined;
}

export interface StripeSyncView {
  status: 'pending' | 'synced' | 'failed';
  error: string | null;
  /** Stripe's hosted payment page, once the invoice is finalized there. */
  payment_url: string | null;
  uncollectible: boolean;
  synced_at: string | null;
}

function lineView(line: InvoiceLineRow) {
  return {
    id: line.id,
    item_id: line.item_id,
    name: line.name,
    description: line.description,
    hsn_code: line.hsn_code,
    quantity: Number(line.quantity),
    unit_price: line.unit_price,
    discount_percent: line.discount_percent === null ? null : Number(line.discount_percent),
    discount_amount: line.discount_amount,
    tax_rate: Number(line.tax_rate),
    amount: line.amount,
    discount: line.discount,
    taxable_amount: line.taxable,
    cgst: line.cgst,
    sgst: line.sgst,
    igst: line.igst,
    tax: line.tax,
    tax_total: line.tax_total,
    total: line.total,
  };
}

export type DocumentView = ReturnType<typeof documentView>;

const jsonOfView = new WeakMap<DocumentView, string>();

/**
 * A view's JSON text, serialized once: a bulk call's events and its response carry the same
 * documents (114 KB for 50 invoices), which were serialized twice (docs/PERFORMANCE.md).
 * Views are not changed once built, so the text stays theirs.
 */
export function documentJson(view: DocumentView): string {
  const known = jsonOfView.get(view);
  if (known !== undefined) return known;
  const text = JSON.stringify(view);
  jsonOfView.set(view, text);
  return text;
}

/** Where a document's PDF and hosted page live; only invoices have a customer-facing page. */
function links(row: InvoiceRow, baseUrl: string) {
  const plural = row.kind === 'invoice' ? 'invoices' : 'bills';
  return {
    pdf_url: `${baseUrl}/api/v1/${plural}/${row.id}/pdf`,
    hosted_invoice_url: row.kind === 'invoice' ? `${baseUrl}/i/${row.business_id}/${row.hosted_token}` : null,
  };
}

const notesOf = (notes: DocumentParts['notes'], kind: NoteKind) => (notes ?? []).filter((n) => n.kind === kind).map((n) => n.id);

export function documentView({ row, lines, entries, payments, notes, stripeSync }: DocumentParts, baseUrl: string) {
  const party =
    row.kind === 'invoice'
      ? { customer_id: row.customer_id, customer_name: row.party_name, customer_email: row.party_email }
      : { vendor_id: row.vendor_id, vendor_name: row.party_name, vendor_email: row.party_email, bill_number: row.bill_number };
  return {
    id: row.id,
    object: row.kind,
    business_id: row.business_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    status: row.status,
    number: row.number,
    ...party,
    currency: row.currency,
    date: row.date,
    due_date: row.due_date,
    place_of_supply: row.place_of_supply,
    tax_regime: row.tax_regime,
    description: row.description,
    reference: row.reference,
    line_items: lines.map(lineView),
    subtotal: row.subtotal,
    discount_total: row.discount_total,
    cgst: row.cgst,
    sgst: row.sgst,
    igst: row.igst,
    tax: row.tax,
    tax_total: row.tax_total,
    total: row.total,
    total_paid: row.total_paid,
    // Credits of what was still unpaid lower the balance; debit notes raise it.
    balance_due: row.total + row.amount_debited - row.total_paid - row.credit_pre_payment,
    amount_credited: row.amount_credited,
    credit_notes: notesOf(notes, 'credit_note'),
    amount_debited: row.amount_debited,
    debit_notes: notesOf(notes, 'debit_note'),
    paid_on: row.paid_on,
    payments,
    journal_entries: entries,
    stripe_invoice_id: row.stripe_invoice_id,
    stripe_sync: stripeSync ?? null,
    ...links(row, baseUrl),
    delivered: row.delivered,
    delivered_on: row.delivered_on,
    recurring_template_id: row.recurring_template_id,
    order_id: row.order_id,
    import_id: row.import_id,
    entity_id: row.entity_id,
    finalized_at: row.finalized_at,
    voided_at: row.voided_at,
  };
}
