import type { InvoiceKind } from '../../db/schema.ts';
import type { PostingLine } from '../../domain/ledger.ts';

/** One line as a client sends it (SPEC §6.1): item_id auto-fills what the line leaves out. */
export interface LineItemInput {
  item_id?: string | undefined;
  name?: string | undefined;
  description?: string | null | undefined;
  hsn_code?: string | null | undefined;
  quantity: number | string;
  unit_price?: number | undefined;
  /** Decimal major units (CSV imports), converted exactly at the document's currency exponent. */
  unit_price_major?: string | undefined;
  tax_rate?: number | string | undefined;
  discount_percent?: number | string | undefined;
  discount_amount?: number | undefined;
}

/** One invoice or bill as a client sends it: the same shape for single and bulk create. */
export interface DocumentInput {
  customer_id?: string | undefined;
  vendor_id?: string | undefined;
  bill_number?: string | undefined;
  date?: string | undefined;
  due_date?: string | undefined;
  place_of_supply?: string | undefined;
  currency?: string | undefined;
  description?: string | undefined;
  notes?: string | undefined;
  reference?: string | undefined;
  line_items: LineItemInput[];
  auto_approve?: boolean | undefined;
  /** Invoices only: email it to the customer once finalized. */
  auto_send?: boolean | undefined;
}

/** Where a document came from (set by the surface that creates it). */
export interface DocumentOrigin {
  order_id?: string | undefined;
  import_id?: string | undefined;
  recurring_template_id?: string | undefined;
}

export interface JournalEntryDraft {
  id: string;
  invoiceId: string;
  /** The credit or debit note that made the entry. */
  noteId?: string | undefined;
  kind: string;
  memo: string;
  currency: string;
  date: string;
  createdAt: string;
  lines: PostingLine[];
}

export type { InvoiceKind };
