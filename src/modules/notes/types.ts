import type { NoteReason } from '../../domain/credit-notes.ts';

/** One line as a client sends it: part of an invoice line (quantity or amount) or a free line. */
export interface NoteLineInput {
  line_id?: string | undefined;
  quantity?: number | string | undefined;
  amount?: number | undefined;
  description?: string | undefined;
  tax_rate?: number | string | undefined;
}

/** A credit or debit note as a client sends it (single and bulk alike). */
export interface NoteInput {
  invoice_id: string;
  date?: string | undefined;
  reason?: NoteReason | undefined;
  memo?: string | undefined;
  lines: NoteLineInput[];
  refund_amount?: number | undefined;
  credit_amount?: number | undefined;
  out_of_band_amount?: number | undefined;
}
